// Interface texts in Russian and Kazakh: one dictionary per language.
//
// Elements carry their text key in data-i18n (and data-i18n-args as JSON for
// placeholders like {n}); attributes in data-i18n-attr="placeholder=key;title=key".
// setLang() rewrites every such element in place, so switching the language keeps
// the page's state (audio position, an open editor, filters).

const RU = {
  'app.title': 'Протоколы судебных заседаний',
  'app.logout': 'Выйти',
  'app.loading': 'Загрузка…',
  'app.network': 'Сервер недоступен. Проверьте соединение и повторите.',
  'app.forbidden': 'Недостаточно прав для этого действия.',
  'app.error': 'Ошибка: {detail}',
  'app.retry': 'Повторить',
  'app.close': 'Закрыть',
  'app.langSwitched': 'Язык интерфейса: русский',

  'user.judge': 'судья',
  'user.clerk': 'секретарь',
  'user.party': 'участник процесса',
  'user.admin': 'администратор',

  'login.title': 'Вход',
  'login.username': 'Имя пользователя',
  'login.password': 'Пароль',
  'login.submit': 'Войти',
  'login.wrong': 'Неверное имя пользователя или пароль.',
  'login.throttled': 'Слишком много неудачных попыток. Повторите через {s} с.',
  'login.expired': 'Сеанс истёк (вход действует 15 минут). Войдите снова.',
  'login.loggedOut': 'Вы вышли из системы.',
  'login.required': 'Введите имя пользователя и пароль.',

  'hearings.title': 'Заседания',
  'hearings.adminNote': 'Администратор видит только ход обработки записей: текст протоколов доступен судьям и секретарям суда.',
  'hearings.empty': 'Заседаний не найдено.',
  'hearings.more': 'Показать ещё',
  'hearings.notReady': 'Протокол этого заседания ещё не готов.',
  'hearings.count': 'Заседаний: {n}',

  'filter.case': 'Номер дела',
  'filter.courtroom': 'Зал',
  'filter.from': 'С даты',
  'filter.to': 'По дату',
  'filter.status': 'Статус',
  'filter.any': 'все',
  'filter.reset': 'Сбросить фильтры',

  'col.date': 'Дата и время',
  'col.case': 'Дело',
  'col.courtroom': 'Зал',
  'col.duration': 'Длительность',
  'col.status': 'Статус',
  'col.progress': 'Обработка',

  'status.queued': 'В очереди',
  'status.processing': 'Обрабатывается',
  'status.done': 'Готово',
  'status.failed': 'Ошибка',

  'step.download': 'получение файла',
  'step.probe': 'проверка файла',
  'step.normalize': 'подготовка звука',
  'step.diarize': 'определение говорящих',
  'step.transcribe': 'распознавание речи',
  'step.merge': 'сборка протокола',
  'step.store': 'сохранение',

  'search.title': 'Поиск по протоколам',
  'search.placeholder': 'Слова или «точная фраза»',
  'search.submit': 'Найти',
  'search.results': 'Найдено: {n}',
  'search.none': 'Ничего не найдено.',
  'search.clear': 'Скрыть результаты',
  'search.version': 'версия {v}',
  'search.more': 'Ещё результаты',

  'review.back': '← К списку',
  'review.case': 'Дело № {n}',
  'review.version': 'Версия {v}',
  'review.olderBanner': 'Вы смотрите версию {v}, последняя — {n}. Старые версии только для чтения.',
  'review.openNewest': 'Открыть последнюю',
  'review.approved': 'Утверждён',
  'review.notApproved': 'Не утверждён',
  'review.approve': 'Утвердить версию {v}',
  'review.approving': 'Утверждение…',
  'review.approveConfirm': 'Утвердить и подписать версию {v}? Это окончательно: подписанная версия станет доступна участникам процесса.',
  'review.approvedToast': 'Версия {v} утверждена и подписана.',
  'review.notFound': 'Заседание не найдено или у вас нет к нему доступа.',
  'review.adminNoText': 'Администратор не видит текст протоколов. Ход обработки виден в списке заседаний.',
  'review.notDone': 'Протокол ещё не готов: {detail}',
  'review.help': 'Пробел — пуск/пауза · ← или J — назад 5 с · N / P — следующая / предыдущая отметка · щелчок по слову или времени — перейти',
  'review.timeline': 'Кто когда говорил (щелчок — перейти)',
  'review.noAudio': 'Аудиозапись недоступна: {detail}',
  'review.shown': 'Показано {n} из {total}',
  'review.speakers': 'Участники',
  'review.versions': 'Версии',
  'review.downloads': 'Скачать',
  'review.noFlagAfter': 'Дальше отметок нет.',
  'review.noFlagBefore': 'Раньше отметок нет.',
  'review.follow': 'Следить за воспроизведением',
  'review.duration': 'Длительность {d}',
  'review.masked': 'Это копия для участников процесса: персональные данные (ИИН, телефоны) скрыты.',

  'flag.filter': 'Отметки',
  'flag.all': 'Все фрагменты',
  'flag.flagged': 'Только с отметками',
  'flag.low_confidence': 'низкая уверенность',
  'flag.repetition': 'повтор',
  'flag.overlap': 'наложение речи',
  'flag.hallucination_suspect': 'возможно, ложный текст',
  'flag.language_uncertain': 'язык не определён точно',
  'flag.no_speaker': 'говорящий не определён',
  'flag.redaction_candidate': 'персональные данные?',

  'role.judge': 'судья',
  'role.prosecutor': 'прокурор',
  'role.plaintiff': 'истец',
  'role.defendant': 'ответчик',
  'role.defence': 'защитник',
  'role.witness': 'свидетель',
  'role.clerk': 'секретарь',
  'role.expert': 'эксперт',
  'role.interpreter': 'переводчик',

  'speaker.n': 'Говорящий {n}',
  'speaker.unknown': 'Говорящий не определён',
  'speaker.rename': 'Назвать',
  'speaker.label': 'Имя',
  'speaker.role': 'Роль',
  'speaker.noRole': '— без роли —',
  'speaker.save': 'Сохранить',
  'speaker.cancel': 'Отмена',
  'speaker.stats': '{t} · фрагментов: {n}',
  'speaker.labelRequired': 'Введите имя.',

  'edit.button': 'Изменить',
  'edit.text': 'Текст фрагмента',
  'edit.speaker': 'Говорящий',
  'edit.save': 'Сохранить',
  'edit.cancel': 'Отмена',
  'edit.saving': 'Сохранение…',
  'edit.saved': 'Сохранена версия {v}.',
  'edit.nothing': 'Изменений нет.',
  'edit.empty': 'Текст не может быть пустым.',
  'edit.reload': 'Загрузить последнюю версию',
  'edit.conflict': 'Кто-то сохранил правку раньше вас: {detail}',
  'edit.restored': 'Несохранённая правка восстановлена: проверьте и сохраните её.',

  'version.pipeline': 'автоматическое распознавание',
  'version.open': 'Открыть',
  'version.shown': 'открыта',
  'version.comparePrev': 'Сравнить с предыдущей',
  'version.compare': 'Сравнить',
  'version.from': 'Из версии',
  'version.to': 'в версию',
  'version.approvedMark': 'утверждена',
  'version.hash': 'SHA-256',
  'version.none': 'Версий нет.',

  'diff.title': 'Изменения: версия {a} → версия {b}',
  'diff.none': 'Различий нет.',
  'diff.inserted': 'добавлен',
  'diff.deleted': 'удалён',
  'diff.changed': 'изменён',
  'diff.added': 'добавлен',
  'diff.removed': 'удалён',
  'diff.segment': 'Фрагмент {n}',
  'diff.speaker': 'Участник {id}',
  'diff.fields': 'изменено: {f}',
  'diff.more': 'Показаны первые {n} изменений из {total}.',
  'diff.field.start': 'начало',
  'diff.field.end': 'конец',
  'diff.field.speaker': 'говорящий',
  'diff.field.language': 'язык',
  'diff.field.text': 'текст',
  'diff.field.words': 'слова',
  'diff.field.flags': 'отметки',
  'diff.field.label': 'имя',
  'diff.field.role': 'роль',
  'diff.field.channel': 'канал',
  'diff.metadata': 'Изменены сведения о записи: {f}',

  'party.title': 'Утверждённые протоколы моих дел',
  'party.empty': 'Утверждённых протоколов по вашим делам пока нет.',
  'party.hearing': 'Заседание {date}',
  'party.courtroom': '{room}',
  'party.version': 'Утверждённая версия {v}',
  'party.open': 'Открыть протокол',
  'party.hash': 'SHA-256 протокола (файл JSON):',
  'party.masked': 'В вашей копии персональные данные (ИИН, номера телефонов) скрыты.',

  'verify.title': 'Как проверить подлинность протокола',
  'verify.intro': 'Скачайте кнопками выше файл JSON, подпись (.sig) и открытый ключ суда (.pem), затем выполните в терминале:',
  'verify.hash': 'Хеш должен совпасть с указанным выше (он же напечатан внизу каждой страницы PDF и DOCX):',
  'verify.sig': 'Подпись проверяется так; ответ «Signature Verified Successfully» означает, что файл не изменён ни на байт:',
  'verify.windows': 'В Windows хеш показывает команда:',
  'verify.api': 'То же через API (нужен токен доступа):',

  'download.pdf': 'PDF',
  'download.docx': 'DOCX',
  'download.txt': 'Текст (TXT)',
  'download.srt': 'Субтитры SRT',
  'download.vtt': 'Субтитры VTT',
  'download.json': 'JSON',
  'download.audio': 'Аудио (WAV)',
  'download.sig': 'Подпись (.sig)',
  'download.key': 'Ключ суда (.pem)',
  'download.started': 'Скачивание: {name}',
  'download.failed': 'Не удалось скачать: {detail}',

  'time.h': 'ч',
  'time.min': 'мин',
  'time.s': 'с',
};

const KK = {
  'app.title': 'Сот отырыстарының хаттамалары',
  'app.logout': 'Шығу',
  'app.loading': 'Жүктелуде…',
  'app.network': 'Сервер қолжетімсіз. Байланысты тексеріп, қайталаңыз.',
  'app.forbidden': 'Бұл әрекетке құқығыңыз жеткіліксіз.',
  'app.error': 'Қате: {detail}',
  'app.retry': 'Қайталау',
  'app.close': 'Жабу',
  'app.langSwitched': 'Интерфейс тілі: қазақша',

  'user.judge': 'судья',
  'user.clerk': 'хатшы',
  'user.party': 'процеске қатысушы',
  'user.admin': 'әкімші',

  'login.title': 'Кіру',
  'login.username': 'Пайдаланушы аты',
  'login.password': 'Құпиясөз',
  'login.submit': 'Кіру',
  'login.wrong': 'Пайдаланушы аты немесе құпиясөз қате.',
  'login.throttled': 'Сәтсіз әрекеттер тым көп. {s} секундтан кейін қайталаңыз.',
  'login.expired': 'Сеанс аяқталды (кіру 15 минут жарамды). Қайта кіріңіз.',
  'login.loggedOut': 'Сіз жүйеден шықтыңыз.',
  'login.required': 'Пайдаланушы аты мен құпиясөзді енгізіңіз.',

  'hearings.title': 'Сот отырыстары',
  'hearings.adminNote': 'Әкімші тек жазбалардың өңделу барысын көреді: хаттамалар мәтіні соттың судьялары мен хатшыларына ғана қолжетімді.',
  'hearings.empty': 'Сот отырыстары табылмады.',
  'hearings.more': 'Тағы көрсету',
  'hearings.notReady': 'Бұл отырыстың хаттамасы әлі дайын емес.',
  'hearings.count': 'Отырыстар: {n}',

  'filter.case': 'Іс нөмірі',
  'filter.courtroom': 'Зал',
  'filter.from': 'Күннен бастап',
  'filter.to': 'Күнге дейін',
  'filter.status': 'Күйі',
  'filter.any': 'барлығы',
  'filter.reset': 'Сүзгілерді тазалау',

  'col.date': 'Күні мен уақыты',
  'col.case': 'Іс',
  'col.courtroom': 'Зал',
  'col.duration': 'Ұзақтығы',
  'col.status': 'Күйі',
  'col.progress': 'Өңдеу',

  'status.queued': 'Кезекте',
  'status.processing': 'Өңделуде',
  'status.done': 'Дайын',
  'status.failed': 'Қате',

  'step.download': 'файлды алу',
  'step.probe': 'файлды тексеру',
  'step.normalize': 'дыбысты дайындау',
  'step.diarize': 'сөйлеушілерді анықтау',
  'step.transcribe': 'сөйлеуді тану',
  'step.merge': 'хаттаманы құрастыру',
  'step.store': 'сақтау',

  'search.title': 'Хаттамалардан іздеу',
  'search.placeholder': 'Сөздер немесе «нақты тіркес»',
  'search.submit': 'Іздеу',
  'search.results': 'Табылды: {n}',
  'search.none': 'Ештеңе табылмады.',
  'search.clear': 'Нәтижелерді жасыру',
  'search.version': '{v}-нұсқа',
  'search.more': 'Тағы нәтижелер',

  'review.back': '← Тізімге',
  'review.case': '№ {n} іс',
  'review.version': '{v}-нұсқа',
  'review.olderBanner': 'Сіз {v}-нұсқаны қарап отырсыз, соңғысы — {n}. Ескі нұсқалар тек оқуға арналған.',
  'review.openNewest': 'Соңғысын ашу',
  'review.approved': 'Бекітілген',
  'review.notApproved': 'Бекітілмеген',
  'review.approve': '{v}-нұсқаны бекіту',
  'review.approving': 'Бекітілуде…',
  'review.approveConfirm': '{v}-нұсқаны бекітіп, қол қою керек пе? Бұл түпкілікті: қол қойылған нұсқа процеске қатысушыларға қолжетімді болады.',
  'review.approvedToast': '{v}-нұсқа бекітіліп, қол қойылды.',
  'review.notFound': 'Сот отырысы табылмады немесе сізде оған қолжетімділік жоқ.',
  'review.adminNoText': 'Әкімші хаттамалар мәтінін көрмейді. Өңдеу барысы отырыстар тізімінде көрінеді.',
  'review.notDone': 'Хаттама әлі дайын емес: {detail}',
  'review.help': 'Бос орын — ойнату/кідірту · ← немесе J — 5 с артқа · N / P — келесі / алдыңғы белгі · сөзді немесе уақытты басу — соған өту',
  'review.timeline': 'Кім қашан сөйледі (басу — соған өту)',
  'review.noAudio': 'Аудиожазба қолжетімсіз: {detail}',
  'review.shown': '{total} ішінен {n} көрсетілді',
  'review.speakers': 'Қатысушылар',
  'review.versions': 'Нұсқалар',
  'review.downloads': 'Жүктеу',
  'review.noFlagAfter': 'Одан әрі белгілер жоқ.',
  'review.noFlagBefore': 'Бұдан бұрын белгілер жоқ.',
  'review.follow': 'Ойнатуды қадағалау',
  'review.duration': 'Ұзақтығы {d}',
  'review.masked': 'Бұл процеске қатысушыларға арналған көшірме: дербес деректер (ЖСН, телефондар) жасырылған.',

  'flag.filter': 'Белгілер',
  'flag.all': 'Барлық үзінділер',
  'flag.flagged': 'Тек белгілері барлар',
  'flag.low_confidence': 'сенімділігі төмен',
  'flag.repetition': 'қайталау',
  'flag.overlap': 'сөйлеу қабаттасуы',
  'flag.hallucination_suspect': 'жалған мәтін болуы мүмкін',
  'flag.language_uncertain': 'тілі нақты анықталмаған',
  'flag.no_speaker': 'сөйлеуші анықталмаған',
  'flag.redaction_candidate': 'дербес деректер?',

  'role.judge': 'судья',
  'role.prosecutor': 'прокурор',
  'role.plaintiff': 'талапкер',
  'role.defendant': 'жауапкер',
  'role.defence': 'қорғаушы',
  'role.witness': 'куә',
  'role.clerk': 'хатшы',
  'role.expert': 'сарапшы',
  'role.interpreter': 'аудармашы',

  'speaker.n': '{n}-сөйлеуші',
  'speaker.unknown': 'Сөйлеуші анықталмаған',
  'speaker.rename': 'Атау беру',
  'speaker.label': 'Аты',
  'speaker.role': 'Рөлі',
  'speaker.noRole': '— рөлсіз —',
  'speaker.save': 'Сақтау',
  'speaker.cancel': 'Болдырмау',
  'speaker.stats': '{t} · үзінділер: {n}',
  'speaker.labelRequired': 'Атын енгізіңіз.',

  'edit.button': 'Өзгерту',
  'edit.text': 'Үзінді мәтіні',
  'edit.speaker': 'Сөйлеуші',
  'edit.save': 'Сақтау',
  'edit.cancel': 'Болдырмау',
  'edit.saving': 'Сақталуда…',
  'edit.saved': '{v}-нұсқа сақталды.',
  'edit.nothing': 'Өзгеріс жоқ.',
  'edit.empty': 'Мәтін бос болмауы керек.',
  'edit.reload': 'Соңғы нұсқаны жүктеу',
  'edit.conflict': 'Біреу түзетуді сізден бұрын сақтады: {detail}',
  'edit.restored': 'Сақталмаған түзету қалпына келтірілді: тексеріп, сақтаңыз.',

  'version.pipeline': 'автоматты тану',
  'version.open': 'Ашу',
  'version.shown': 'ашық',
  'version.comparePrev': 'Алдыңғысымен салыстыру',
  'version.compare': 'Салыстыру',
  'version.from': 'Нұсқадан',
  'version.to': 'нұсқаға',
  'version.approvedMark': 'бекітілген',
  'version.hash': 'SHA-256',
  'version.none': 'Нұсқалар жоқ.',

  'diff.title': 'Өзгерістер: {a}-нұсқа → {b}-нұсқа',
  'diff.none': 'Айырмашылық жоқ.',
  'diff.inserted': 'қосылды',
  'diff.deleted': 'жойылды',
  'diff.changed': 'өзгертілді',
  'diff.added': 'қосылды',
  'diff.removed': 'жойылды',
  'diff.segment': '{n}-үзінді',
  'diff.speaker': '{id} қатысушы',
  'diff.fields': 'өзгертілгені: {f}',
  'diff.more': '{total} өзгерістің алғашқы {n}-і көрсетілді.',
  'diff.field.start': 'басы',
  'diff.field.end': 'соңы',
  'diff.field.speaker': 'сөйлеуші',
  'diff.field.language': 'тілі',
  'diff.field.text': 'мәтін',
  'diff.field.words': 'сөздер',
  'diff.field.flags': 'белгілер',
  'diff.field.label': 'аты',
  'diff.field.role': 'рөлі',
  'diff.field.channel': 'арна',
  'diff.metadata': 'Жазба туралы мәліметтер өзгерді: {f}',

  'party.title': 'Менің істерімнің бекітілген хаттамалары',
  'party.empty': 'Істеріңіз бойынша бекітілген хаттамалар әзірге жоқ.',
  'party.hearing': '{date} отырысы',
  'party.courtroom': '{room}',
  'party.version': 'Бекітілген нұсқа: {v}',
  'party.open': 'Хаттаманы ашу',
  'party.hash': 'Хаттаманың SHA-256 (JSON файлы):',
  'party.masked': 'Сіздің көшірмеңізде дербес деректер (ЖСН, телефон нөмірлері) жасырылған.',

  'verify.title': 'Хаттаманың түпнұсқалығын қалай тексеруге болады',
  'verify.intro': 'Жоғарыдағы батырмалармен JSON файлын, қолтаңбаны (.sig) және соттың ашық кілтін (.pem) жүктеп алып, терминалда орындаңыз:',
  'verify.hash': 'Хеш жоғарыда көрсетілгенмен сәйкес келуі керек (ол PDF және DOCX әр бетінің төменгі жағында да басылған):',
  'verify.sig': 'Қолтаңба былай тексеріледі; «Signature Verified Successfully» жауабы файлдың бір байты да өзгермегенін білдіреді:',
  'verify.windows': 'Windows жүйесінде хешті мына пәрмен көрсетеді:',
  'verify.api': 'API арқылы да солай (қолжетімділік токені қажет):',

  'download.pdf': 'PDF',
  'download.docx': 'DOCX',
  'download.txt': 'Мәтін (TXT)',
  'download.srt': 'SRT субтитрлері',
  'download.vtt': 'VTT субтитрлері',
  'download.json': 'JSON',
  'download.audio': 'Аудио (WAV)',
  'download.sig': 'Қолтаңба (.sig)',
  'download.key': 'Сот кілті (.pem)',
  'download.started': 'Жүктелуде: {name}',
  'download.failed': 'Жүктеу мүмкін болмады: {detail}',

  'time.h': 'сағ',
  'time.min': 'мин',
  'time.s': 'с',
};

export const DICTIONARIES = { ru: RU, kk: KK };
export const LANGS = ['ru', 'kk'];
export const ROLES = ['judge', 'prosecutor', 'plaintiff', 'defendant', 'defence', 'witness', 'clerk', 'expert', 'interpreter'];
const ROLE_ALIASES = { defense: 'defence', secretary: 'clerk', translator: 'interpreter' };
const STORAGE_KEY = 'courtrec.lang';

let current = 'ru';
const listeners = new Set();

function initial() {
  let saved = null;
  try { saved = localStorage.getItem(STORAGE_KEY); } catch { /* storage off */ }
  if (LANGS.includes(saved)) return saved;
  const nav = (navigator.language || '').toLowerCase();
  return nav.startsWith('kk') ? 'kk' : 'ru';
}

export function lang() { return current; }

/** The text of `key` in the current language with {name} placeholders filled. */
export function t(key, args) {
  const text = DICTIONARIES[current][key] ?? RU[key] ?? key;
  if (!args) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in args ? String(args[name]) : m));
}

/** A role code as the court names it (null when the role is not a known one). */
export function roleKey(role) {
  if (!role) return null;
  const code = String(role).trim().toLowerCase();
  const known = ROLE_ALIASES[code] || code;
  return ROLES.includes(known) ? known : null;
}

/** Set an element's text to `key` and remember the key for language switches. */
export function tx(el, key, args) {
  el.dataset.i18n = key;
  if (args) el.dataset.i18nArgs = JSON.stringify(args);
  else delete el.dataset.i18nArgs;
  el.textContent = t(key, args);
  return el;
}

/** Rewrite the texts and attributes of every marked element under `root`. */
export function translateTree(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    let args;
    if (el.dataset.i18nArgs) {
      try { args = JSON.parse(el.dataset.i18nArgs); } catch { args = undefined; }
    }
    el.textContent = t(el.dataset.i18n, args);
  }
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split('=');
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

/** Switch the interface language without reloading the page. */
export function setLang(next) {
  if (!LANGS.includes(next)) return;
  current = next;
  try { localStorage.setItem(STORAGE_KEY, next); } catch { /* storage off */ }
  document.documentElement.lang = next;
  translateTree(document);
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === next));
  }
  for (const listener of listeners) listener(next);
}

export function onLangChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

current = initial();
