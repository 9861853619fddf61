// Who spoke when: a canvas across the page, one lane per speaker, a cursor at the
// current time, flagged stretches as ticks below; a click seeks there.
//
// The bars are drawn once into an off-screen canvas (thousands of segments), so
// moving the cursor is one image copy and a line.

const LABEL_W = 132;
const FLAG_STRIP = 5;
const PAD = 3;

export class Timeline {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onSeek: (t: number) => void}} options
   */
  constructor(canvas, { onSeek }) {
    this.canvas = canvas;
    this.onSeek = onSeek;
    this.lanes = [];
    this.segments = [];
    this.duration = 1;
    this.time = 0;
    this.layer = document.createElement('canvas');
    this.font = '12px "DejaVu Sans", system-ui, sans-serif';
    canvas.addEventListener('click', (event) => this.click(event));
    canvas.addEventListener('mousemove', (event) => {
      const at = this.timeAt(event);
      canvas.style.cursor = at === null ? 'default' : 'pointer';
    });
    this.observer = new ResizeObserver(() => this.layout());
    this.observer.observe(canvas.parentElement);
  }

  /** lanes: [{id, label, colour}], segments: [{start, end, speaker, flagged}] */
  setData({ lanes, segments, duration }) {
    this.lanes = lanes;
    this.segments = segments;
    this.duration = Math.max(1, duration || 1);
    this.canvas.setAttribute('aria-valuemax', String(Math.round(this.duration)));
    this.layout();
  }

  setLabels(labels) {
    this.lanes.forEach((lane, i) => { lane.label = labels[i]; });
    this.paintLayer();
    this.paint();
  }

  laneHeight() {
    const n = Math.max(1, this.lanes.length);
    return Math.max(7, Math.min(16, Math.floor(96 / n)));
  }

  layout() {
    const width = Math.max(200, Math.floor(this.canvas.parentElement.clientWidth));
    const height = PAD * 2 + this.laneHeight() * Math.max(1, this.lanes.length) + FLAG_STRIP + 2;
    const dpr = window.devicePixelRatio || 1;
    this.cssW = width;
    this.cssH = height;
    for (const c of [this.canvas, this.layer]) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(height * dpr);
    }
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.dpr = dpr;
    this.paintLayer();
    this.paint();
  }

  x(t) {
    return LABEL_W + (t / this.duration) * (this.cssW - LABEL_W - 4);
  }

  paintLayer() {
    const g = this.layer.getContext('2d');
    g.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    g.clearRect(0, 0, this.cssW, this.cssH);
    const lh = this.laneHeight();
    const index = new Map(this.lanes.map((lane, i) => [lane.id, i]));
    g.font = lh >= 11 ? this.font : `${Math.max(8, lh - 2)}px "DejaVu Sans", system-ui, sans-serif`;
    g.textBaseline = 'middle';
    this.lanes.forEach((lane, i) => {
      const y = PAD + i * lh;
      if (i % 2 === 0) { g.fillStyle = 'rgba(0,0,0,0.035)'; g.fillRect(0, y, this.cssW, lh); }
      g.fillStyle = lane.colour;
      g.fillRect(4, y + 2, 4, lh - 4);
      g.fillStyle = '#222';
      g.fillText(fit(g, lane.label || lane.id, LABEL_W - 16), 12, y + lh / 2);
    });
    for (const seg of this.segments) {
      const i = index.get(seg.speaker);
      if (i === undefined) continue;
      const x0 = this.x(seg.start);
      const w = Math.max(1, this.x(seg.end) - x0);
      g.fillStyle = this.lanes[i].colour;
      g.fillRect(x0, PAD + i * lh + 1, w, lh - 2);
    }
    const fy = PAD + this.lanes.length * lh + 1;
    g.fillStyle = '#3b3b3b';
    for (const seg of this.segments) {
      if (seg.flagged) g.fillRect(this.x(seg.start), fy, Math.max(2, this.x(seg.end) - this.x(seg.start)), FLAG_STRIP);
    }
    g.strokeStyle = 'rgba(0,0,0,0.15)';
    g.beginPath();
    g.moveTo(LABEL_W - 0.5, 0);
    g.lineTo(LABEL_W - 0.5, this.cssH);
    g.stroke();
  }

  paint() {
    const g = this.canvas.getContext('2d');
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, this.canvas.width, this.canvas.height);
    g.drawImage(this.layer, 0, 0);
    g.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const x = Math.round(this.x(Math.min(this.time, this.duration))) + 0.5;
    g.strokeStyle = '#111';
    g.lineWidth = 2;
    g.beginPath();
    g.moveTo(x, 0);
    g.lineTo(x, this.cssH);
    g.stroke();
  }

  setTime(t) {
    if (Math.abs(t - this.time) * (this.cssW / this.duration) < 0.5 && this.painted) return;
    this.time = t;
    this.painted = true;
    this.canvas.setAttribute('aria-valuenow', String(Math.round(t)));
    this.paint();
  }

  timeAt(event) {
    const rect = this.canvas.getBoundingClientRect();
    const x = event.clientX - rect.left;
    if (x < LABEL_W) return null;
    const frac = (x - LABEL_W) / (this.cssW - LABEL_W - 4);
    return Math.max(0, Math.min(this.duration, frac * this.duration));
  }

  click(event) {
    const at = this.timeAt(event);
    if (at !== null) this.onSeek(at);
  }

  destroy() {
    this.observer.disconnect();
  }
}

function fit(g, text, width) {
  if (g.measureText(text).width <= width) return text;
  let s = text;
  while (s.length > 1 && g.measureText(`${s}…`).width > width) s = s.slice(0, -1);
  return `${s}…`;
}
