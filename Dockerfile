# One image for the API and the workers; settings (CR_* variables) choose the role.
# Models are assembled at build time, so containers never fetch anything at run time.
FROM python:3.11-slim-bookworm

ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 CR_DATA_DIR=/data CR_MODELS_DIR=/models

RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --uid 10001 courtrec

WORKDIR /app
RUN pip install torch==2.13.0 --index-url "$TORCH_INDEX"
COPY pyproject.toml README.md ./
COPY ingest ingest
COPY transcribe transcribe
COPY diarize diarize
COPY protocol protocol
COPY synth synth
COPY storage storage
COPY worker worker
COPY api api
COPY cli cli
RUN pip install . && courtrec models && chmod -R a+rX /models \
 && mkdir -p /data && chown courtrec /data

USER courtrec
EXPOSE 8000
CMD ["courtrec", "serve", "--host", "0.0.0.0", "--port", "8000"]
