#!/usr/bin/env python3
"""gen_clean_corpus.py - a deterministic mbox with line-level truth, for measuring `--strip` and `--redact`.

Usage:
  gen_clean_corpus.py --messages N --out FILE.mbox [--seed S]   writes FILE.mbox and FILE.mbox.truth.json
  gen_clean_corpus.py --verify FILE.mbox [--truth T]            stdlib self-check of a written corpus

The same arguments and seed give byte-identical output (standard library only).

What the mail holds: threads of replies in 11 languages (en de fr es it nl pt pl ru ja zh), each person writing
in one language with one client: Gmail (top-posting, attribution sometimes wrapped over two lines as Gmail does),
Apple Mail (macOS: attribution inside the quote; iOS: above it, with "Sent from my iPhone"), Outlook (top-posting
with "-----Original Message-----", a "____" rule or a bare From/Sent/To/Subject block, localized labels, the old
message unindented; Outlook for Mac with a Date: line), Thunderbird (bottom-posting and interleaved replies, `>>`
nesting). Forwards (Gmail's localized "---------- Forwarded message ---------", Apple's "Begin forwarded
message:"). Signatures after `-- ` (some `--`), undelimited contact blocks, mobile footers in 11 languages
("Sent from my iPhone", "Get Outlook for iOS", ...), disclaimers (after the signature, or appended by the server
after the quoted text). text/plain, multipart/alternative (Gmail `gmail_quote`, Outlook `divRplyFwdMsg`, Apple
`blockquote type=cite` in the HTML part) and HTML-only messages. Personal data planted in the authors' own
lines: emails, phones (E.164 with spaces/hyphens/dots/parentheses, NANP, national with trunk 0, labelled), Luhn-
valid cards (Visa, Mastercard 51-55 and 2221-2720, Amex 4-6-5, Discover), mod-97-valid IBANs of 12 countries
(compact or in groups of 4), IPv4/IPv6 (full, compressed, with ports), secrets (PEM private keys, Bearer tokens,
URL credentials, AWS, GitHub, Slack, Stripe, JWT, password=); look-alikes that must survive (dates, times,
prices, order/invoice/ticket numbers, versions and builds, valid ISBN-13/10, Luhn-invalid 16-digit numbers,
IBAN shapes with a wrong checksum, git hashes, UUIDs).

Truth (FILE.mbox.truth.json): {"kind": "clean-mbox", "seed", "count", "placeholder", "notes", "messages": {ID: T}}
keyed by Message-ID without <>, in file order. T holds, for the body as a reader sees it (text/plain when there
is one, else the HTML converted to text: one line per <div>/<br>, no quote marks, whitespace collapsed):
  own        the author's own non-blank lines, exactly as written (a PEM block is one entry spanning its lines);
             forwarded content counts as own
  quoted     quoted lines: `>` lines, attribution lines, Outlook separators and header blocks, the unindented
             old message below them
  signature  signature lines (the `-- ` line included), mobile footers, disclaimers
  neutral    neither: forward separators and the forwarded message's header lines
  pii        [{kind, value, shape, span?}] planted in own lines; `span` (when given) is the text around the value a
             redactor may replace whole (`Bearer TOKEN`, `user:pass`, `password=...`)
  pii_other  [{kind, value, shape, where}] in signature/quoted/neutral lines (phones and emails of signatures,
             addresses in attributions and header blocks, the parent's planted data quoted)
  lookalikes [{kind, value}] in own lines, to survive unchanged
  from, to, cc   header addresses; style {reply, client, attribution, signature, footer, disclaimer, format};
  lang; parent (Message-ID or null); format (plain | alternative | html)
Blank lines are in no list. Lines are as the body holds them after mboxrd unescaping (`>From ` -> `From `).
"""
import argparse, base64, email.utils, hashlib, html, json, mailbox, os, quopri, random, re, sys, uuid
from datetime import datetime, timedelta, timezone
from email import policy
from email.header import Header
from email.parser import BytesParser
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_corpus import FILLER, VERBS, WORDS, TOPICS  # noqa: E402  (the shared English word lists)

PLACEHOLDER = r"\[(?i:{KIND})-[0-9a-f]{8}\]"       # [EMAIL-1a2b3c4d]; the kind in either case
LANGS = ["en", "de", "fr", "es", "it", "nl", "pt", "pl", "ru", "ja", "zh"]
LANG_WEIGHTS = [30, 9, 8, 7, 6, 6, 6, 6, 7, 7, 8]

# ------------------------------------------------------------------ language tables --
L = {
    "en": dict(
        dab="Mon Tue Wed Thu Fri Sat Sun".split(), dfull="Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
        mab="Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
        mfull="January February March April May June July August September October November December".split(),
        greet=["Hi {n},", "Hello {n},", "Dear {n},", "Hey {n},"], bye=["Thanks,", "Best,", "Best regards,", "Cheers,", "Kind regards,"],
        words=None, tz=[-300, -480, 0, -360]),
    "de": dict(
        dab="Mo. Di. Mi. Do. Fr. Sa. So.".split(), dfull="Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag".split(),
        mab="Jan. Feb. März Apr. Mai Juni Juli Aug. Sept. Okt. Nov. Dez.".split(),
        mfull="Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split(),
        greet=["Hallo {n},", "Hi {n},", "Liebe {n},", "Guten Morgen {n},"],
        bye=["Viele Grüße", "Beste Grüße", "Mit freundlichen Grüßen", "VG"],
        words=("Budget Termin Angebot Vertrag Rechnung Projekt Besprechung Bericht Kunde Lieferant Zeitplan Freigabe "
               "Entwurf Präsentation Umzug Schulung Prüfung Abrechnung Bestellung Planung Übersicht Unterlagen Änderung "
               "Anfrage Team Quartal Ergebnis Abstimmung Protokoll").split(),
        fill="der die das unser euer nächste neue aktuelle kurz bitte noch schon heute morgen gerne auch".split(),
        verbs="prüfen senden bestätigen besprechen freigeben vorbereiten klären abstimmen ändern schicken".split(),
        tz=[60]),
    "fr": dict(
        dab="lun. mar. mer. jeu. ven. sam. dim.".split(), dfull="lundi mardi mercredi jeudi vendredi samedi dimanche".split(),
        mab="janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.".split(),
        mfull="janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
        greet=["Bonjour {n},", "Salut {n},", "Chère {n},"], bye=["Cordialement,", "Bien à vous,", "Merci,", "Bonne journée,"],
        words=("budget réunion devis contrat facture projet rapport client fournisseur planning validation brouillon "
               "présentation déménagement formation audit commande tableau dossier demande équipe trimestre résultat "
               "échéance compte-rendu").split(),
        fill="le la les notre votre prochain nouveau actuel rapide merci déjà aujourd'hui demain aussi".split(),
        verbs="vérifier envoyer confirmer discuter valider préparer clarifier modifier partager relire".split(), tz=[60]),
    "es": dict(
        dab="lun mar mié jue vie sáb dom".split(), dfull="lunes martes miércoles jueves viernes sábado domingo".split(),
        mab="ene feb mar abr may jun jul ago sept oct nov dic".split(),
        mfull="enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(),
        greet=["Hola {n},", "Buenos días {n},", "Estimado {n}:"], bye=["Saludos,", "Un saludo,", "Gracias,", "Un abrazo,"],
        words=("presupuesto reunión oferta contrato factura proyecto informe cliente proveedor calendario aprobación "
               "borrador presentación mudanza formación auditoría pedido resumen documentos cambio solicitud equipo "
               "trimestre resultado plazo").split(),
        fill="el la los nuestro vuestro próximo nuevo actual rápido gracias ya hoy mañana también".split(),
        verbs="revisar enviar confirmar comentar aprobar preparar aclarar cambiar compartir firmar".split(), tz=[60]),
    "it": dict(
        dab="lun mar mer gio ven sab dom".split(), dfull="lunedì martedì mercoledì giovedì venerdì sabato domenica".split(),
        mab="gen feb mar apr mag giu lug ago set ott nov dic".split(),
        mfull="gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre".split(),
        greet=["Ciao {n},", "Buongiorno {n},", "Gentile {n},"], bye=["Cordiali saluti,", "Grazie,", "A presto,", "Un saluto,"],
        words=("budget riunione offerta contratto fattura progetto rapporto cliente fornitore calendario approvazione "
               "bozza presentazione trasloco formazione verifica ordine riepilogo documenti modifica richiesta squadra "
               "trimestre risultato scadenza").split(),
        fill="il la i nostro vostro prossimo nuovo attuale breve grazie già oggi domani anche".split(),
        verbs="controllare inviare confermare discutere approvare preparare chiarire cambiare condividere firmare".split(),
        tz=[60]),
    "nl": dict(
        dab="ma di wo do vr za zo".split(), dfull="maandag dinsdag woensdag donderdag vrijdag zaterdag zondag".split(),
        mab="jan. feb. mrt. apr. mei jun. jul. aug. sep. okt. nov. dec.".split(),
        mfull="januari februari maart april mei juni juli augustus september oktober november december".split(),
        greet=["Hoi {n},", "Beste {n},", "Hallo {n},"], bye=["Met vriendelijke groet,", "Groeten,", "Bedankt,", "Groet,"],
        words=("budget vergadering offerte contract factuur project rapport klant leverancier planning goedkeuring "
               "concept presentatie verhuizing training controle bestelling overzicht documenten wijziging aanvraag "
               "team kwartaal resultaat deadline").split(),
        fill="de het een onze jullie volgende nieuwe huidige kort graag al vandaag morgen ook".split(),
        verbs="controleren sturen bevestigen bespreken goedkeuren voorbereiden verduidelijken wijzigen delen tekenen".split(),
        tz=[60]),
    "pt": dict(
        dab="seg. ter. qua. qui. sex. sáb. dom.".split(),
        dfull="segunda-feira terça-feira quarta-feira quinta-feira sexta-feira sábado domingo".split(),
        mab="jan. fev. mar. abr. mai. jun. jul. ago. set. out. nov. dez.".split(),
        mfull="janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro".split(),
        greet=["Olá {n},", "Oi {n},", "Bom dia {n},"], bye=["Atenciosamente,", "Abraços,", "Obrigado,", "Um abraço,"],
        words=("orçamento reunião proposta contrato fatura projeto relatório cliente fornecedor cronograma aprovação "
               "rascunho apresentação mudança treinamento auditoria pedido resumo documentos alteração pedido equipe "
               "trimestre resultado prazo").split(),
        fill="o a os nosso vosso próximo novo atual rápido obrigado já hoje amanhã também".split(),
        verbs="verificar enviar confirmar discutir aprovar preparar esclarecer alterar partilhar assinar".split(), tz=[0, -180]),
    "pl": dict(
        dab="pon. wt. śr. czw. pt. sob. niedz.".split(),
        dfull="poniedziałek wtorek środa czwartek piątek sobota niedziela".split(),
        mab="sty lut mar kwi maj cze lip sie wrz paź lis gru".split(),
        mfull="stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia".split(),
        greet=["Cześć {n},", "Dzień dobry,", "Witaj {n},"], bye=["Pozdrawiam,", "Dzięki,", "Z poważaniem,", "Pozdrawiam serdecznie,"],
        words=("budżet spotkanie oferta umowa faktura projekt raport klient dostawca harmonogram akceptacja szkic "
               "prezentacja przeprowadzka szkolenie audyt zamówienie podsumowanie dokumenty zmiana prośba zespół "
               "kwartał wynik termin").split(),
        fill="nasz wasz nowy obecny następny proszę już dzisiaj jutro także krótko".split(),
        verbs="sprawdzić wysłać potwierdzić omówić zatwierdzić przygotować wyjaśnić zmienić udostępnić podpisać".split(),
        tz=[60]),
    "ru": dict(
        dab="пн вт ср чт пт сб вс".split(), dfull="понедельник вторник среда четверг пятница суббота воскресенье".split(),
        mab="янв. февр. мар. апр. мая июн. июл. авг. сент. окт. нояб. дек.".split(),
        mfull="января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split(),
        greet=["Привет, {n}!", "Добрый день, {n}!", "Здравствуйте, {n}!"], bye=["С уважением,", "Спасибо,", "Всего доброго,"],
        words=("бюджет встреча предложение договор счёт проект отчёт клиент поставщик график согласование черновик "
               "презентация переезд обучение проверка заказ сводка документы изменение запрос команда квартал "
               "результат срок").split(),
        fill="наш ваш новый текущий следующий пожалуйста уже сегодня завтра также коротко".split(),
        verbs="проверить отправить подтвердить обсудить согласовать подготовить уточнить изменить прислать подписать".split(),
        tz=[180]),
    "ja": dict(dab="月 火 水 木 金 土 日".split(), greet=["{n}さん", "{n}様", "{n}さん、お疲れさまです。"],
               bye=["よろしくお願いします。", "以上、よろしくお願いいたします。", "引き続きよろしくお願いします。"],
               words="会議 予算 資料 報告書 見積 契約 顧客 日程 出張 請求書 設計 移行 研修 監査 発注 議事録".split(),
               verbs="確認 共有 送付 調整 検討 修正 準備 承認".split(),
               tmpl=["{n}の件、{v}をお願いします。", "{n}について{n}を{v}しました。", "{n}は来週までに{v}する予定です。",
                     "来週の{n}で{n}を{v}しましょう。", "{n}と{n}の{v}が終わりました。", "念のため{n}を{v}してください。"],
               tz=[540]),
    "zh": dict(dab="周一 周二 周三 周四 周五 周六 周日".split(), greet=["{n}，你好！", "{n}您好，", "Hi {n}，"],
               bye=["谢谢！", "此致", "祝好，", "辛苦了，谢谢。"],
               words="会议 预算 报告 合同 客户 项目 方案 发票 日程 培训 审计 服务器 版本 订单 进度 纪要".split(),
               verbs="确认 发送 讨论 安排 审核 更新 准备 批准".split(),
               tmpl=["关于{n}的{n}，请{v}一下。", "我们下周{v}{n}。", "{n}已经{v}了，{n}还在进行中。", "请在周五前{v}{n}和{n}。",
                     "{n}的事情我已经{v}过了。", "麻烦再{v}一下{n}。"],
               tz=[480]),
}
L["en"]["words"], L["en"]["fill"], L["en"]["verbs"] = WORDS, FILLER, VERBS
for _cjk in ("ja", "zh"):      # month names for the shared format tables (the CJK formats use numbers)
    L[_cjk].update(mab=[f"{i}月" for i in range(1, 13)], mfull=[f"{i}月" for i in range(1, 13)], dfull=L[_cjk]["dab"])

MOBILE = {"en": ["Sent from my iPhone", "Sent from my iPad", "Get Outlook for iOS", "Get Outlook for Android",
                 "Sent from my Samsung Galaxy smartphone."],
          "de": ["Von meinem iPhone gesendet", "Von meinem iPad gesendet", "Outlook für iOS beziehen"],
          "fr": ["Envoyé de mon iPhone", "Envoyé de mon iPad", "Obtenir Outlook pour iOS"],
          "es": ["Enviado desde mi iPhone", "Enviado desde mi iPad", "Obtener Outlook para iOS"],
          "it": ["Inviato da iPhone", "Inviato da iPad", "Scarica Outlook per iOS"],
          "nl": ["Verzonden vanaf mijn iPhone", "Verstuurd vanaf mijn iPhone", "Outlook voor iOS downloaden"],
          "pt": ["Enviado do meu iPhone", "Enviado do meu iPad", "Obter o Outlook para iOS"],
          "pl": ["Wysłane z iPhone'a", "Wysłane z mojego iPhone'a", "Pobierz aplikację Outlook dla systemu iOS"],
          "ru": ["Отправлено с iPhone", "Отправлено с iPad", "Получить Outlook для iOS"],
          "ja": ["iPhoneから送信", "iPadから送信", "iOS 版 Outlook を入手"],
          "zh": ["发自我的iPhone", "发自我的 iPad", "获取 iOS 版 Outlook"]}

DISCLAIMERS = {
    "en": ["CONFIDENTIALITY NOTICE: This e-mail message, including any attachments, is for the sole use of the "
           "intended recipient(s) and may contain confidential and privileged information. Any unauthorized review, "
           "use, disclosure or distribution is prohibited. If you are not the intended recipient, please contact the "
           "sender by reply e-mail and destroy all copies of the original message.",
           "This e-mail and any attachments are confidential and intended solely for the addressee. If you have "
           "received this e-mail in error please notify the sender immediately and delete it from your system. Any "
           "views expressed are those of the author and do not necessarily represent those of the company."],
    "de": ["Diese E-Mail enthält vertrauliche und/oder rechtlich geschützte Informationen. Wenn Sie nicht der "
           "richtige Adressat sind oder diese E-Mail irrtümlich erhalten haben, informieren Sie bitte sofort den "
           "Absender und vernichten Sie diese Mail. Das unerlaubte Kopieren sowie die unbefugte Weitergabe dieser "
           "Mail sind nicht gestattet."],
    "fr": ["Ce message et toutes les pièces jointes sont confidentiels et établis à l'intention exclusive de ses "
           "destinataires. Si vous avez reçu ce message par erreur, merci d'en avertir immédiatement l'émetteur et "
           "de le détruire. Toute utilisation non conforme à sa destination est interdite."],
    "es": ["AVISO DE CONFIDENCIALIDAD: Este mensaje y sus anexos son confidenciales y se dirigen exclusivamente a su "
           "destinatario. Si usted no es el destinatario, le rogamos que lo comunique al remitente y proceda a "
           "borrarlo, sin reenviarlo ni conservarlo."],
    "nl": ["De informatie verzonden met dit e-mailbericht is vertrouwelijk en uitsluitend bestemd voor de "
           "geadresseerde. Indien u dit bericht onterecht ontvangt, wordt u verzocht de afzender te informeren en "
           "het bericht te verwijderen."],
    "it": ["Questo messaggio e i suoi allegati sono indirizzati esclusivamente alle persone indicate e possono "
           "contenere informazioni riservate. Se avete ricevuto questo messaggio per errore, vi preghiamo di "
           "avvisare il mittente e di cancellarlo."],
}

TITLES = {"en": ["Senior Engineer", "Head of Finance", "Account Manager", "Project Manager", "VP Sales", "Office Manager"],
          "de": ["Leiterin Finanzen", "Projektleiter", "Vertrieb Innendienst", "Geschäftsführer", "Teamleitung IT"],
          "fr": ["Chef de projet", "Directrice financière", "Responsable commercial", "Ingénieur logiciel"],
          "es": ["Jefa de proyecto", "Director comercial", "Responsable de compras", "Ingeniero de sistemas"],
          "it": ["Responsabile acquisti", "Project manager", "Direttore commerciale", "Ingegnere software"],
          "nl": ["Projectleider", "Financieel manager", "Accountmanager", "Software-ontwikkelaar"],
          "pt": ["Gerente de projetos", "Diretora financeira", "Gestor comercial", "Engenheiro de software"],
          "pl": ["Kierownik projektu", "Dyrektor finansowy", "Specjalista ds. sprzedaży", "Inżynier oprogramowania"],
          "ru": ["Руководитель проекта", "Финансовый директор", "Менеджер по продажам", "Инженер-программист"],
          "ja": ["営業部 課長", "経理部", "開発部 エンジニア", "プロジェクトマネージャー"],
          "zh": ["项目经理", "财务总监", "销售经理", "软件工程师"]}
TEL = {"en": ["Tel:", "Mobile:", "M:", "Phone:", "Cell:", "T:"], "de": ["Tel.:", "Mobil:", "Telefon:", "Handy:"],
       "fr": ["Tél. :", "Mobile :", "Tél :"], "es": ["Tel.:", "Móvil:", "Teléfono:"], "it": ["Tel.:", "Cell.:", "Tel:"],
       "nl": ["Tel.:", "Mobiel:", "T:"], "pt": ["Tel.:", "Telemóvel:", "Celular:"], "pl": ["Tel.:", "Tel. kom.:", "Telefon:"],
       "ru": ["Тел.:", "Моб.:", "Телефон:"], "ja": ["TEL:", "電話:", "携帯:"], "zh": ["电话：", "手机：", "Tel:"]}

NAMES = {"en": (["Alice", "Bob", "Carol", "David", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Olivia", "Peggy"],
                ["Smith", "Jones", "Brown", "Taylor", "Wilson", "O'Brien", "Patel", "Nguyen", "Kim", "Okafor"]),
         "de": (["Jürgen", "Anna", "Stefan", "Katrin", "Lukas", "Sabine", "Jörg", "Maren"],
                ["Müller", "Schröder", "Weiß", "Fischer", "Becker", "Hoffmann", "Köhler"]),
         "fr": (["Chloé", "François", "Anaïs", "Julien", "Élodie", "Renée", "Mathieu"],
                ["Lefèvre", "Dubois", "Moreau", "Girard", "Rousseau", "Fontaine"]),
         "es": (["José", "María", "Lucía", "Javier", "Ángel", "Carmen"], ["García", "Martínez", "López", "Sánchez", "Pérez"]),
         "it": (["Giulia", "Marco", "Francesca", "Luca", "Chiara", "Niccolò"], ["Rossi", "Bianchi", "Romano", "Colombo", "Ricci"]),
         "nl": (["Sanne", "Daan", "Femke", "Joris", "Lotte", "Bram"], ["de Vries", "Jansen", "van Dijk", "Bakker", "Visser"]),
         "pt": (["João", "Inês", "Gonçalo", "Beatriz", "Tiago", "Mariana"], ["Silva", "Santos", "Ferreira", "Pereira", "Costa"]),
         "pl": (["Łukasz", "Agnieszka", "Paweł", "Małgorzata", "Krzysztof", "Zofia"],
                ["Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kamińska"]),
         "ru": (["Иван", "Ольга", "Дмитрий", "Наталья", "Сергей", "Мария"], ["Петров", "Смирнова", "Иванов", "Кузнецова", "Попов"]),
         "ja": (["太郎", "花子", "健", "由美", "翔"], ["山田", "佐藤", "鈴木", "高橋", "田中"]),
         "zh": (["雷", "芳", "伟", "静", "磊"], ["李", "王", "张", "刘", "陈"])}
ROMAN = {"Иван": "ivan", "Ольга": "olga", "Дмитрий": "dmitry", "Наталья": "natalya", "Сергей": "sergey", "Мария": "maria",
         "Петров": "petrov", "Смирнова": "smirnova", "Иванов": "ivanov", "Кузнецова": "kuznetsova", "Попов": "popov",
         "太郎": "taro", "花子": "hanako", "健": "ken", "由美": "yumi", "翔": "sho", "山田": "yamada", "佐藤": "sato",
         "鈴木": "suzuki", "高橋": "takahashi", "田中": "tanaka", "雷": "lei", "芳": "fang", "伟": "wei", "静": "jing",
         "磊": "lei2", "李": "li", "王": "wang", "张": "zhang", "刘": "liu", "陈": "chen"}
COMPANIES = [("Acme Corp", "acme.example", "en"), ("Globex GmbH", "globex.example", "de"), ("Initech", "initech.test", "en"),
             ("Dubois & Fils", "dubois-fils.example", "fr"), ("Soluciones Ibéricas", "soluciones.example", "es"),
             ("Rossi Logistica", "rossi-logistica.example", "it"), ("Van Dijk BV", "vandijk.example", "nl"),
             ("Lusitana Lda", "lusitana.example", "pt"), ("Kraków Soft", "krakowsoft.example", "pl"),
             ("Северные системы", "nordsys.example", "ru"), ("山田商事", "yamada-shoji.example", "ja"),
             ("华信科技", "huaxin.example", "zh"), ("Umbrella Health", "umbrella.example", "en")]
FREEMAIL = ["gmail.com", "outlook.com", "yahoo.com", "web.de", "orange.fr", "libero.it", "qq.com", "yandex.ru"]

# Per-language frames for planted items: `|` at the start marks a line of its own.
FRAMES = {
    "en": {"email": ["Please send it to {v} by Friday.", "You can also reach her at {v} directly.", "(cc {v})",
                     "My private address is {v}, please use that one.", "|Contact: {v}", "Forwarding this to <{v}>."],
           "phone": ["Call me at {v} if anything comes up.", "|Tel: {v}", "|Mobile: {v}", "My cell is {v}.",
                     "Reach the front desk on {v} after 9.", "The hotel number is {v} (ask for reception)."],
           "card": ["The company card is {v}, expiry 09/27.", "|Card number: {v}", "Please charge {v} for the deposit."],
           "iban": ["Please transfer the amount to {v} by the end of the month.", "|IBAN: {v}",
                    "Our account is {v} (BIC DEUTDEFF)."],
           "ip": ["The server is at {v} now.", "Please whitelist {v} on the firewall.", "It only fails from {v}, odd."],
           "secret": ["Use {v} for the staging API.", "The token is {v} - please rotate it after the demo.", "|{v}"]},
    "de": {"email": ["Bitte schick es an {v}.", "|E-Mail: {v}"], "phone": ["Du erreichst mich unter {v}.", "|Tel.: {v}", "|Handy: {v}"],
           "card": ["Die Kartennummer ist {v}."], "iban": ["Bitte überweise den Betrag auf {v}.", "|IBAN: {v}"],
           "ip": ["Der Server läuft jetzt unter {v}."], "secret": ["Zugang für die Testumgebung: {v}", "|{v}"]},
    "fr": {"email": ["Envoie-le à {v} stp.", "|Courriel : {v}"], "phone": ["Vous pouvez me joindre au {v}.", "|Tél. : {v}"],
           "card": ["Le numéro de carte est {v}."], "iban": ["Merci de virer le montant sur {v}.", "|IBAN : {v}"],
           "ip": ["Le serveur est maintenant sur {v}."], "secret": ["Accès de test : {v}", "|{v}"]},
    "es": {"email": ["Envíalo a {v}, por favor.", "|Correo: {v}"], "phone": ["Puedes llamarme al {v}.", "|Móvil: {v}"],
           "card": ["La tarjeta es {v}."], "iban": ["Transfiere el importe a {v}.", "|IBAN: {v}"],
           "ip": ["El servidor está ahora en {v}."], "secret": ["Acceso de pruebas: {v}", "|{v}"]},
    "it": {"email": ["Mandalo a {v}, grazie.", "|Email: {v}"], "phone": ["Puoi chiamarmi al {v}.", "|Cell.: {v}"],
           "card": ["Il numero della carta è {v}."], "iban": ["Fate il bonifico su {v}.", "|IBAN: {v}"],
           "ip": ["Il server adesso è su {v}."], "secret": ["Accesso di prova: {v}", "|{v}"]},
    "nl": {"email": ["Stuur het naar {v}.", "|E-mail: {v}"], "phone": ["Je kunt me bereiken op {v}.", "|Tel.: {v}"],
           "card": ["Het kaartnummer is {v}."], "iban": ["Maak het bedrag over naar {v}.", "|IBAN: {v}"],
           "ip": ["De server draait nu op {v}."], "secret": ["Toegang testomgeving: {v}", "|{v}"]},
    "pt": {"email": ["Envie para {v}, por favor.", "|E-mail: {v}"], "phone": ["Pode ligar-me para {v}.", "|Tel.: {v}"],
           "card": ["O número do cartão é {v}."], "iban": ["Transfira o valor para {v}.", "|IBAN: {v}"],
           "ip": ["O servidor agora está em {v}."], "secret": ["Acesso de teste: {v}", "|{v}"]},
    "pl": {"email": ["Wyślij to na {v}.", "|E-mail: {v}"], "phone": ["Możesz zadzwonić pod {v}.", "|Tel.: {v}"],
           "card": ["Numer karty to {v}."], "iban": ["Przelej kwotę na {v}.", "|IBAN: {v}"],
           "ip": ["Serwer działa teraz pod {v}."], "secret": ["Dostęp testowy: {v}", "|{v}"]},
    "ru": {"email": ["Отправь на {v}, пожалуйста.", "|Почта: {v}"], "phone": ["Мой телефон: {v}.", "|Тел.: {v}"],
           "card": ["Номер карты: {v}."], "iban": ["Переведите сумму на {v}.", "|IBAN: {v}"],
           "ip": ["Сервер теперь на {v}."], "secret": ["Доступ к тестовой среде: {v}", "|{v}"]},
    "ja": {"email": ["{v} 宛に送ってください。", "|メール: {v}"], "phone": ["電話番号は {v} です。", "|電話: {v}"],
           "card": ["カード番号は {v} です。"], "iban": ["振込先は {v} です。"], "ip": ["サーバーは {v} に移りました。"],
           "secret": ["テスト環境のアクセス: {v}", "|{v}"]},
    "zh": {"email": ["请发到 {v}。", "|邮箱：{v}"], "phone": ["我的电话是 {v}。", "|电话：{v}"], "card": ["卡号是 {v}。"],
           "iban": ["请把款项转到 {v}。"], "ip": ["服务器地址是 {v}。"], "secret": ["测试环境访问：{v}", "|{v}"]},
}
LOOK_FRAMES_EN = {"date": ["The deadline is {v}.", "We moved the review to {v}."], "time": ["Let's meet at {v} tomorrow."],
                  "price": ["The quote came in at {v} all in.", "It costs {v} per seat."],
                  "order": ["Regarding {v}, the parcel has not arrived.", "|Ref: {v}"], "version": ["We are on {v} now."],
                  "isbn": ["The book is {v} if you want to order it."], "number": ["The reference printed on it is {v}."],
                  "hash": ["The fix is in commit {v}."], "uuid": ["The request id was {v}."]}
LOOK_GENERIC = {"en": "See {v} for the details.", "de": "Siehe {v}.", "fr": "Voir {v}.", "es": "Ver {v}.", "it": "Vedi {v}.",
                "nl": "Zie {v}.", "pt": "Ver {v}.", "pl": "Zobacz {v}.", "ru": "См. {v}.", "ja": "{v} を確認してください。",
                "zh": "请查看 {v}。"}

# ------------------------------------------------------------------ checksums --
def luhn_ok(digits):
    s = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        s += d
    return s % 10 == 0


def luhn_complete(partial):
    for d in "0123456789":
        if luhn_ok(partial + d):
            return partial + d


def iban_ok(iban):
    s = iban.replace(" ", "")
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", s):
        return False
    r = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in r)) % 97 == 1


def iban_check(country, bban):
    r = bban + country + "00"
    return f"{98 - int(''.join(str(int(c, 36)) for c in r)) % 97:02d}"


def isbn13_ok(s):
    d = [int(c) for c in s if c.isdigit()]
    return len(d) == 13 and sum(x * (1 if i % 2 == 0 else 3) for i, x in enumerate(d)) % 10 == 0


def isbn10_ok(s):
    c = [x for x in s if x.isdigit() or x in "Xx"]
    return len(c) == 10 and sum((10 - i) * (10 if x in "Xx" else int(x)) for i, x in enumerate(c)) % 11 == 0


# ------------------------------------------------------------------ planted values --
PHONES = {  # country -> list of (shape, template); N = a random digit
    "US": [("e164_space", "+1 AAA NNN NNNN"), ("e164_hyphen", "+1-AAA-NNN-NNNN"), ("e164_dot", "+1.AAA.NNN.NNNN"),
           ("e164_paren", "+1 (AAA) NNN-NNNN"), ("nanp_paren", "(AAA) NNN-NNNN"), ("nanp_hyphen", "AAA-NNN-NNNN"),
           ("nanp_dot", "AAA.NNN.NNNN"), ("e164_compact", "+1AAANNNNNNN")],
    "GB": [("e164_space", "+44 20 NNNN NNNN"), ("e164_space", "+44 7NNN NNNNNN"), ("national", "020 NNNN NNNN"),
           ("national", "07NNN NNNNNN"), ("e164_trunk", "+44 (0)20 NNNN NNNN")],
    "DE": [("e164_space", "+49 30 NNNNNNNN"), ("e164_trunk", "+49 (0)30 NNNN NNNN"), ("national", "030 NNNNNNNN"),
           ("national", "0151 NNNNNNNN"), ("e164_space", "+49 151 NNNNNNNN"), ("e164_hyphen", "+49-89-NNNNNNN"),
           ("national_slash", "089/NNNNNNN")],
    "FR": [("e164_space", "+33 1 NN NN NN NN"), ("national", "01 NN NN NN NN"), ("national", "06 NN NN NN NN"),
           ("e164_space", "+33 6 NN NN NN NN"), ("e164_dot", "+33.6.NN.NN.NN.NN"), ("national_dot", "06.NN.NN.NN.NN")],
    "ES": [("e164_space", "+34 6NN NNN NNN"), ("e164_space", "+34 91 NNN NN NN"), ("national", "6NN NN NN NN")],
    "IT": [("e164_space", "+39 06 NNNN NNNN"), ("e164_space", "+39 3NN NNN NNNN"), ("national", "3NN NNNNNNN")],
    "NL": [("e164_space", "+31 20 NNN NNNN"), ("e164_space", "+31 6 NNNNNNNN"), ("national", "020-NNNNNNN"),
           ("national", "06-NNNNNNNN")],
    "PT": [("e164_space", "+351 21 NNN NNNN"), ("e164_space", "+351 9NN NNN NNN")],
    "PL": [("e164_space", "+48 22 NNN NN NN"), ("e164_space", "+48 5NN NNN NNN"), ("national", "5NN-NNN-NNN")],
    "RU": [("e164_hyphen", "+7 495 NNN-NN-NN"), ("e164_paren", "+7 (495) NNN-NN-NN"), ("national", "8 (495) NNN-NN-NN"),
           ("e164_space", "+7 9NN NNN NN NN")],
    "JP": [("e164_hyphen", "+81 3-NNNN-NNNN"), ("national", "03-NNNN-NNNN"), ("national", "090-NNNN-NNNN"),
           ("e164_space", "+81 90 NNNN NNNN")],
    "CN": [("e164_space", "+86 10 NNNN NNNN"), ("e164_space", "+86 13N NNNN NNNN"), ("national", "13N NNNN NNNN"),
           ("national", "010-NNNNNNNN")],
    "CH": [("e164_space", "+41 44 NNN NN NN"), ("national", "044 NNN NN NN")],
    "AU": [("e164_space", "+61 2 NNNN NNNN"), ("national_paren", "(02) NNNN NNNN"), ("national", "04NN NNN NNN")],
}
LANG_COUNTRY = {"en": ["US", "US", "GB", "AU"], "de": ["DE", "DE", "CH"], "fr": ["FR"], "es": ["ES"], "it": ["IT"],
                "nl": ["NL"], "pt": ["PT"], "pl": ["PL"], "ru": ["RU"], "ja": ["JP"], "zh": ["CN"]}
IBAN_SPEC = {"DE": "18n", "GB": "4a14n", "FR": "10n11n2n", "ES": "20n", "IT": "1a10n12n", "NL": "4a10n", "BE": "12n",
             "CH": "5n12n", "AT": "16n", "PL": "24n", "PT": "21n", "IE": "4a14n"}
BANKS = {"GB": ["NWBK", "BARC", "HBUK", "LOYD"], "NL": ["ABNA", "INGB", "RABO", "TRIO"], "IE": ["AIBK", "BOFI"]}


def digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def make_phone(rng, country):
    shape, tpl = rng.choice(PHONES[country])
    out = []
    for c in tpl:
        if c == "N":
            out.append(rng.choice("0123456789"))
        elif c == "A":
            out.append(rng.choice("23456789") if not out or out[-1] in "( +-." else rng.choice("0123456789"))
        else:
            out.append(c)
    return "".join(out), f"{country}_{shape}"


def make_card(rng):
    brand = rng.choices(["visa", "mc", "mc2", "amex", "discover"], [40, 25, 10, 15, 10])[0]
    if brand == "visa":
        num = luhn_complete("4" + digits(rng, 14))
    elif brand == "mc":
        num = luhn_complete(str(rng.randint(51, 55)) + digits(rng, 13))
    elif brand == "mc2":
        num = luhn_complete(str(rng.randint(2221, 2720)) + digits(rng, 11))
    elif brand == "amex":
        num = luhn_complete(rng.choice(["34", "37"]) + digits(rng, 12))
    else:
        prefix = rng.choice(["6011", str(rng.randint(644, 649)), "65"])
        num = luhn_complete(prefix + digits(rng, 15 - len(prefix)))
    style = rng.choice(["space", "space", "hyphen", "compact"])
    if brand == "amex":
        groups = [num[:4], num[4:10], num[10:]]
    else:
        groups = [num[i:i + 4] for i in range(0, 16, 4)]
    sep = {"space": " ", "hyphen": "-", "compact": ""}[style]
    return sep.join(groups), f"{brand}_{style}"


def make_iban(rng, country=None, valid=True):
    country = country or rng.choice(sorted(IBAN_SPEC))
    bban = ""
    for n, t in re.findall(r"(\d+)([an])", IBAN_SPEC[country]):
        if t == "a":
            bban += rng.choice(BANKS.get(country, ["ABCD"])) if n == "4" else rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        else:
            bban += digits(rng, int(n))
    check = iban_check(country, bban)
    if not valid:
        check = f"{(int(check) + rng.randint(1, 96)) % 97 + 2:02d}"[-2:]
        if iban_ok(country + check + bban):
            check = f"{(int(check) + 1) % 100:02d}"
    s = country + check + bban
    if rng.random() < .6:
        return " ".join(s[i:i + 4] for i in range(0, len(s), 4)), f"{country}_grouped"
    return s, f"{country}_compact"


def make_ipv4(rng):
    r = rng.random()
    if r < .3:
        return f"192.168.{rng.randint(0, 20)}.{rng.randint(2, 254)}", "v4_private"
    if r < .5:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", "v4_private"
    if r < .6:
        return f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", "v4_private"
    return ".".join(str(x) for x in [rng.choice([23, 34, 52, 81, 85, 91, 104, 151, 185, 203, 212]),
                                     rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)]), "v4_public"


def make_ipv6(rng):
    groups = [rng.choice(["2001", "2a00", "2a02", "2600", "fd12"])] + [f"{rng.getrandbits(16):04x}" for _ in range(7)]
    r = rng.random()
    if r < .3:
        return ":".join(groups), "v6_full"
    if r < .45:
        return "fe80::" + ":".join(f"{rng.getrandbits(16):x}" for _ in range(4)), "v6_linklocal"
    k = rng.randint(2, 4)
    start = rng.randint(2, 7 - k)
    head = [g.lstrip("0") or "0" for g in groups[:start]]
    tail = [g.lstrip("0") or "0" for g in groups[start + k:]]
    if start == 1:
        head = ["2001", "db8"]
    return ":".join(head) + "::" + ":".join(tail), "v6_compressed"


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def make_secret(rng):
    """(text as written, the secret value, span or None, shape); a PEM block's text spans lines."""
    shape = rng.choices(["pem", "bearer", "url", "aws", "aws_secret", "github", "slack", "stripe", "jwt", "password"],
                        [8, 12, 10, 10, 6, 12, 10, 10, 12, 10])[0]
    if shape == "pem":
        kind = rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"])
        body = [("MII" if kind != "OPENSSH PRIVATE KEY" else "b3Bl") + "".join(rng.choice(B64) for _ in range(61))]
        body += ["".join(rng.choice(B64) for _ in range(64)) for _ in range(rng.randint(2, 4))]
        body.append("".join(rng.choice(B64) for _ in range(rng.randint(8, 40))) + rng.choice(["", "=", "=="]))
        text = "\n".join([f"-----BEGIN {kind}-----"] + body + [f"-----END {kind}-----"])
        return text, text, None, shape
    if shape == "jwt":
        head = b64url(json.dumps({"alg": rng.choice(["HS256", "RS256"]), "typ": "JWT"}, separators=(",", ":")).encode())
        pay = b64url(json.dumps({"sub": str(rng.randint(10 ** 6, 10 ** 9)), "iat": 1420000000 + rng.randint(0, 10 ** 8),
                                 "scope": rng.choice(["read", "read write", "admin"])}, separators=(",", ":")).encode())
        tok = f"{head}.{pay}.{b64url(rng.randbytes(32))}"
        return tok, tok, None, shape
    if shape == "bearer":
        tok = rng.choice([lambda: b64url(rng.randbytes(30)), lambda: rng.randbytes(20).hex()])()
        return f"Authorization: Bearer {tok}", tok, f"Bearer {tok}", shape
    if shape == "url":
        user = rng.choice(["deploy", "admin", "svc-backup", "jenkins", "root"])
        pw = "".join(rng.choice(ALNUM + "!*-_") for _ in range(rng.randint(10, 18)))
        host = rng.choice(["git.acme.example", "db.internal.example", "ftp.globex.example", "registry.initech.test"])
        path = rng.choice(["/repo.git", "/backup", ":5432/prod", "/v2/"])
        return f"https://{user}:{pw}@{host}{path}", pw, f"{user}:{pw}", shape
    if shape == "aws":
        v = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
        return rng.choice([v, f"aws_access_key_id = {v}"]), v, None, shape
    if shape == "aws_secret":
        v = "".join(rng.choice(ALNUM + "/+") for _ in range(40))
        return f"aws_secret_access_key = {v}", v, f"aws_secret_access_key = {v}", shape
    if shape == "github":
        v = "ghp_" + "".join(rng.choice(ALNUM) for _ in range(36))
        return v, v, None, shape
    if shape == "slack":
        v = f"xoxb-{digits(rng, 12)}-{digits(rng, 13)}-" + "".join(rng.choice(ALNUM) for _ in range(24))
        return v, v, None, shape
    if shape == "stripe":
        v = "sk_live_" + "".join(rng.choice(ALNUM) for _ in range(rng.choice([24, 34])))
        return v, v, None, shape
    pw = "".join(rng.choice(ALNUM + "!#%&*") for _ in range(rng.randint(9, 16)))
    key = rng.choice(["password", "passwd", "pwd", "PASSWORD", "db_password"])
    sep = rng.choice(["=", "=", ": "])
    return f"{key}{sep}{pw}", pw, f"{key}{sep}{pw}", shape


def make_lookalike(rng):
    k = rng.choices(["date", "time", "price", "order", "version", "isbn", "number", "iban_bad", "hash", "uuid"],
                    [14, 8, 14, 14, 12, 8, 8, 8, 7, 7])[0]
    d = datetime(2024, 1, 1) + timedelta(days=rng.randint(0, 900))
    if k == "date":
        v = rng.choice([d.strftime("%Y-%m-%d"), d.strftime("%d.%m.%Y"), d.strftime("%m/%d/%Y"),
                        f"{d:%B} {d.day}, {d.year}", f"{d.day}/{d.month}/{d.year % 100:02d}"])
    elif k == "time":
        h, m = rng.randint(0, 23), rng.choice([0, 15, 30, 45, 5, 50])
        v = rng.choice([f"{h:02d}:{m:02d}", f"{h % 12 or 12}:{m:02d} {'AM' if h < 12 else 'PM'}",
                        f"{h:02d}:{m:02d}:{rng.randint(0, 59):02d}", f"{h}h{m:02d}"])
    elif k == "price":
        a = rng.randint(1, 99999)
        c = rng.randint(0, 99)
        v = rng.choice([f"${a:,}.{c:02d}", f"€{rng.randint(10, 999)}", f"{a:,}.{c:02d}".replace(",", "X").replace(".", ",")
                        .replace("X", ".") + " €", f"£{rng.randint(1, 999)}.{c:02d}", f"USD {a:,}.00", f"CHF {a}.–"])
    elif k == "order":
        v = rng.choice([f"Order #{digits(rng, 9)}", f"INV-{d.year}-{digits(rng, 6)}", f"ticket #{rng.randint(10000, 99999)}",
                        f"PO 45000{digits(rng, 5)}", f"case {digits(rng, 8)}", f"Invoice No. {rng.randint(100000, 999999)}",
                        f"tracking 1Z{digits(rng, 3)}AA{digits(rng, 10)}"])
    elif k == "version":
        v = rng.choice([f"v{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}",
                        f"10.0.{rng.choice([17763, 19041, 19045, 22621])}",
                        f"10.0.{rng.choice([19041, 22621])}.{rng.randint(1000, 4000)}",
                        f"version {rng.randint(1, 20)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
                        f"build {rng.randint(2000, 9999)}.{rng.randint(300, 999)}.{rng.randint(0, 99)}"])
    elif k == "isbn":
        if rng.random() < .6:
            core = rng.choice(["978", "979"]) + digits(rng, 9)
            full = core + str((10 - sum(int(x) * (1 if i % 2 == 0 else 3) for i, x in enumerate(core)) % 10) % 10)
            v = rng.choice([f"ISBN {full[:3]}-{full[3]}-{full[4:7]}-{full[7:12]}-{full[12]}", f"ISBN {full}",
                            f"{full[:3]}-{full[3:5]}-{full[5:9]}-{full[9:12]}-{full[12]}"])
        else:
            core = digits(rng, 9)
            c = (11 - sum((10 - i) * int(x) for i, x in enumerate(core)) % 11) % 11
            full = core + ("X" if c == 10 else str(c))
            v = rng.choice([f"ISBN {full[0]}-{full[1:4]}-{full[4:9]}-{full[9]}", f"ISBN-10 {full}"])
    elif k == "number":
        while True:
            n = "4" + digits(rng, 15)
            if not luhn_ok(n):
                break
        v = rng.choice([" ".join(n[i:i + 4] for i in range(0, 16, 4)), n])
    elif k == "iban_bad":
        v = make_iban(rng, valid=False)[0]
    elif k == "hash":
        h = rng.randbytes(20).hex()
        v = rng.choice([h, h[:7], h[:12]])
    else:
        v = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return k, v


# ------------------------------------------------------------------ people --
def ascii_local(s):
    import unicodedata
    s = "".join(ROMAN.get(part, part) for part in re.split(r"(\s+)", s))
    s = unicodedata.normalize("NFKD", s.replace("Ł", "L").replace("ł", "l").replace("ß", "ss")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", ".", s.lower()).strip(".")


def make_people(rng, n=120):
    people, seen = [], set()
    for i in range(n):
        lang = rng.choices(LANGS, LANG_WEIGHTS)[0]
        first, last = rng.choice(NAMES[lang][0]), rng.choice(NAMES[lang][1])
        name = f"{last}{first}" if lang in ("ja", "zh") else f"{first} {last}"
        comp = rng.choice([c for c in COMPANIES if c[2] == lang] or COMPANIES[:1]) if rng.random() < .75 else rng.choice(COMPANIES)
        local = ascii_local(f"{ROMAN.get(first, first)} {ROMAN.get(last, last)}")
        dom = comp[1] if rng.random() < .8 else rng.choice(FREEMAIL)
        addr = f"{local}@{dom}"
        k = 2
        while addr in seen:
            addr = f"{local}{k}@{dom}"; k += 1
        seen.add(addr)
        client = rng.choices(["gmail", "apple_mac", "apple_ios", "outlook", "outlook_mac", "thunderbird"],
                             [30, 12, 12, 26, 6, 14])[0]
        country = rng.choice(LANG_COUNTRY[lang])
        people.append({
            "name": name, "first": first if lang not in ("ja", "zh") else last, "addr": addr, "lang": lang,
            "client": client, "company": comp[0], "web": "www." + comp[1], "title": rng.choice(TITLES[lang]),
            "phone": make_phone(rng, country), "country": country,
            "sig": rng.choices(["dashdash", "dashdash_nospace", "block", "none"], [45, 5, 8, 42])[0],
            "sig_phone": rng.random() < .6, "sig_email": rng.random() < .25,
            "disclaimer": rng.random() < (.35 if lang in DISCLAIMERS and dom == comp[1] else 0),
            "tz": rng.choice(L[lang]["tz"])})
    return people


# ------------------------------------------------------------------ dates in attributions --
def local(ts, tz):
    return datetime.fromtimestamp(ts, timezone(timedelta(minutes=tz)))


def h12(d):
    return d.hour % 12 or 12, "AM" if d.hour < 12 else "PM"


def attribution(rng, client, lang, d, name, addr, wrap=True):
    """(lines, variant): an attribution line as the client writes it in `lang`, for a message of date d."""
    t = L[lang]
    wd, mo = d.weekday(), d.month - 1
    HH, MM, H = f"{d.hour:02d}", f"{d.minute:02d}", str(d.hour)
    dd, mm, Y = f"{d.day:02d}", f"{d.month:02d}", str(d.year)
    zh_ap = "上午" if d.hour < 12 else "下午"
    h, ap = h12(d)
    if client == "gmail":
        s = {"en": (f"On {t['dab'][wd]}, {t['mab'][mo]} {d.day}, {Y} at {h}:{MM} {ap} {name} <{addr}> wrote:"
                    if rng.random() < .7 else f"On {t['dab'][wd]}, {t['mab'][mo]} {d.day}, {Y} at {h}:{MM} {ap}, {name} <{addr}> wrote:"),
             "de": f"Am {t['dab'][wd]}, {d.day}. {t['mab'][mo]} {Y} um {HH}:{MM} Uhr schrieb {name} <{addr}>:",
             "fr": f"Le {t['dab'][wd]} {d.day} {t['mab'][mo]} {Y} à {HH}:{MM}, {name} <{addr}> a écrit :",
             "es": f"El {t['dab'][wd]}, {d.day} {t['mab'][mo]} {Y} a las {H}:{MM}, {name} (<{addr}>) escribió:",
             "it": f"Il giorno {t['dab'][wd]} {d.day} {t['mab'][mo]} {Y} alle ore {HH}:{MM} {name} <{addr}> ha scritto:",
             "nl": f"Op {t['dab'][wd]} {d.day} {t['mab'][mo]} {Y} om {HH}:{MM} schreef {name} <{addr}>:",
             "pt": f"Em {t['dab'][wd]}, {d.day} de {t['mab'][mo]} de {Y} às {HH}:{MM}, {name} <{addr}> escreveu:",
             "pl": f"{t['dab'][wd]}, {d.day} {t['mab'][mo]} {Y} o {HH}:{MM} {name} <{addr}> napisał(a):",
             "ru": f"{t['dab'][wd]}, {d.day} {t['mab'][mo]} {Y} г. в {HH}:{MM}, {name} <{addr}>:",
             "ja": f"{Y}年{d.month}月{d.day}日({t['dab'][wd]}) {H}:{MM} {name} <{addr}>:",
             "zh": f"{name} <{addr}> 于{Y}年{d.month}月{d.day}日{t['dab'][wd]} {zh_ap}{h}:{MM}写道："}[lang]
        if len(s) > 76 and rng.random() < .6 and wrap:  # Gmail's plain-text wrap of a long attribution
            if rng.random() < .5 and "<" in s:
                i = s.index("<") + 1
            else:
                i = s.rfind(" ", 0, 77)
            first, rest = s[:i].rstrip(" "), s[i:].lstrip(" ")
            return [first, rest], "gmail_wrapped"
        return [s], "gmail"
    if client in ("apple_mac", "apple_ios"):
        s = {"en": (f"On {d.day} {t['mab'][mo]} {Y}, at {HH}:{MM}, {name} <{addr}> wrote:" if client == "apple_mac"
                    else f"On {t['mab'][mo]} {d.day}, {Y}, at {h}:{MM} {ap}, {name} <{addr}> wrote:"),
             "de": f"Am {dd}.{mm}.{Y} um {HH}:{MM} schrieb {name} <{addr}>:",
             "fr": f"Le {d.day} {t['mab'][mo]} {Y} à {HH}:{MM}, {name} <{addr}> a écrit :",
             "es": f"El {d.day} {t['mab'][mo]} {Y}, a las {H}:{MM}, {name} <{addr}> escribió:",
             "it": f"Il giorno {d.day} {t['mab'][mo]} {Y}, alle ore {HH}:{MM}, {name} <{addr}> ha scritto:",
             "nl": f"Op {d.day} {t['mab'][mo]} {Y} om {HH}:{MM} heeft {name} <{addr}> het volgende geschreven:",
             "pt": f"Em {d.day} de {t['mab'][mo]} de {Y}, à(s) {HH}:{MM}, {name} <{addr}> escreveu:",
             "pl": f"Wiadomość napisana przez {name} <{addr}> w dniu {d.day}.{mm}.{Y}, o godz. {HH}:{MM}:",
             "ru": f"{d.day} {t['mfull'][mo]} {Y} г., в {H}:{MM}, {name} <{addr}> написал(а):",
             "ja": f"{Y}/{mm}/{dd} {H}:{MM}、{name} <{addr}>のメール:",
             "zh": f"{Y}年{d.month}月{d.day}日 {zh_ap}{h}:{MM}，{name} <{addr}> 写道："}[lang]
        return [s], client
    s = {"en": (f"On {d.month}/{d.day}/{d.year % 100:02d} {h}:{MM} {ap}, {name} wrote:" if rng.random() < .5
                else f"On {dd}/{mm}/{Y} {HH}:{MM}, {name} wrote:"),
         "de": f"Am {dd}.{mm}.{Y} um {HH}:{MM} schrieb {name}:", "fr": f"Le {dd}/{mm}/{Y} à {HH}:{MM}, {name} a écrit :",
         "es": f"El {d.day}/{d.month}/{d.year % 100:02d} a las {H}:{MM}, {name} escribió:",
         "it": f"Il {dd}/{mm}/{Y} {HH}:{MM}, {name} ha scritto:", "nl": f"Op {dd}-{mm}-{Y} om {HH}:{MM} schreef {name}:",
         "pt": f"Em {dd}/{mm}/{Y} {HH}:{MM}, {name} escreveu:", "pl": f"W dniu {d.day}.{mm}.{Y} o {HH}:{MM}, {name} pisze:",
         "ru": f"{dd}.{mm}.{Y} {HH}:{MM}, {name} пишет:", "ja": f"{Y}/{mm}/{dd} {H}:{MM}, {name} wrote:",
         "zh": f"在 {Y}/{d.month}/{d.day} {H}:{MM}, {name} 写道:"}[lang]
    return [s], "thunderbird"


OUTLOOK = {  # separator, From, Sent, To, Cc, Subject, Date (Outlook for Mac), reply prefix
    "en": ("-----Original Message-----", "From:", "Sent:", "To:", "Cc:", "Subject:", "Date:", "RE: "),
    "de": ("-----Ursprüngliche Nachricht-----", "Von:", "Gesendet:", "An:", "Cc:", "Betreff:", "Datum:", "AW: "),
    "fr": ("-----Message d'origine-----", "De :", "Envoyé :", "À :", "Cc :", "Objet :", "Date :", "RE : "),
    "es": ("-----Mensaje original-----", "De:", "Enviado el:", "Para:", "CC:", "Asunto:", "Fecha:", "RE: "),
    "it": ("-----Messaggio originale-----", "Da:", "Inviato:", "A:", "Cc:", "Oggetto:", "Data:", "R: "),
    "nl": ("-----Oorspronkelijk bericht-----", "Van:", "Verzonden:", "Aan:", "CC:", "Onderwerp:", "Datum:", "RE: "),
    "pt": ("-----Mensagem original-----", "De:", "Enviado:", "Para:", "Cc:", "Assunto:", "Data:", "RE: "),
    "pl": ("-----Wiadomość oryginalna-----", "Od:", "Wysłano:", "Do:", "DW:", "Temat:", "Data:", "RE: "),
    "ru": ("-----Исходное сообщение-----", "От:", "Отправлено:", "Кому:", "Копия:", "Тема:", "Дата:", "RE: "),
    "ja": ("-----Original Message-----", "差出人:", "送信日時:", "宛先:", "CC:", "件名:", "日付:", "RE: "),
    "zh": ("-----原始邮件-----", "发件人:", "发送时间:", "收件人:", "抄送:", "主题:", "日期:", "回复: "),
}


def outlook_date(lang, d):
    t = L[lang]
    wd, mo = d.weekday(), d.month - 1
    if lang == "en":
        h, ap = h12(d)
        return f"{t['dfull'][wd]}, {t['mfull'][mo]} {d.day}, {d.year} {h}:{d.minute:02d} {ap}"
    if lang in ("ja", "zh"):
        return f"{d.year}年{d.month}月{d.day}日 {d.hour}:{d.minute:02d}"
    if lang == "ru":
        return f"{d.day} {t['mfull'][mo]} {d.year} г. {d.hour}:{d.minute:02d}"
    hm = f"{d.hour:02d}:{d.minute:02d}"
    return {"de": f"{t['dfull'][wd]}, {d.day}. {t['mfull'][mo]} {d.year} {hm}",
            "fr": f"{t['dfull'][wd]} {d.day} {t['mfull'][mo]} {d.year} {hm}",
            "es": f"{t['dfull'][wd]}, {d.day} de {t['mfull'][mo]} de {d.year} {d.hour}:{d.minute:02d}",
            "it": f"{t['dfull'][wd]} {d.day} {t['mfull'][mo]} {d.year} {hm}",
            "nl": f"{t['dfull'][wd]} {d.day} {t['mfull'][mo]} {d.year} {hm}",
            "pt": f"{t['dfull'][wd]}, {d.day} de {t['mfull'][mo]} de {d.year} {hm}",
            "pl": f"{t['dfull'][wd]}, {d.day} {t['mfull'][mo]} {d.year} {hm}"}[lang]


FWD_GMAIL = {"en": "---------- Forwarded message ---------", "de": "---------- Weitergeleitete Nachricht ---------",
             "fr": "---------- Message transféré ---------", "es": "---------- Mensaje reenviado ---------",
             "it": "---------- Messaggio inoltrato ---------", "nl": "---------- Doorgestuurd bericht ---------",
             "pt": "---------- Mensagem encaminhada ---------", "pl": "---------- Przekazana wiadomość ---------",
             "ru": "---------- Пересылаемое сообщение ---------", "ja": "---------- 転送されたメッセージ ---------",
             "zh": "---------- 转发的邮件 ---------"}
FWD_GMAIL_LABELS = {"en": ("From:", "Date:", "Subject:", "To:"), "de": ("Von:", "Date:", "Subject:", "To:"),
                    "fr": ("De :", "Date:", "Subject:", "To:")}
FWD_APPLE = {"en": "Begin forwarded message:", "de": "Anfang der weitergeleiteten Nachricht:",
             "fr": "Début du message réexpédié :", "es": "Inicio del mensaje reenviado:", "it": "Inizio messaggio inoltrato:",
             "nl": "Begin doorgestuurd bericht:", "pt": "Início da mensagem encaminhada:",
             "pl": "Początek przekazywanej wiadomości:", "ru": "Начало переадресованного сообщения:",
             "ja": "転送されたメッセージ:", "zh": "以下是转发的邮件："}
TRICKY = {"en": ["Here is what {n} wrote:", "On Monday we agreed to move the launch, see below.",
                 "Sent from the office scanner, the signed contract is attached.", "{n} wrote: the numbers look fine.",
                 "From: the finance team, to: everyone - the budget is final.", "Forwarded message from {n} below, FYI."],
          "de": ["Am Montag schrieb der Kunde, dass alles passt.", "Folgendes hat {n} geschrieben:"],
          "fr": ["Voici ce que {n} a écrit :", "Envoyé depuis le scanner du bureau, le contrat est joint."],
          "es": ["Esto es lo que escribió {n}:"], "nl": ["Dit schreef {n} gisteren:"]}
FWD_SUBJECT = {"en": "Fwd: ", "de": "WG: ", "fr": "TR : ", "es": "RV: ", "it": "I: ", "nl": "Doorst: ", "pt": "Enc: ",
               "pl": "PD: ", "ru": "Fwd: ", "ja": "Fwd: ", "zh": "转发: "}


# ------------------------------------------------------------------ the line model --
# A message body is a list of entries: c (content, without quote marks), p (quote prefix as written in text/plain),
# d (quote depth, for HTML nesting), r (role: own, quoted, signature, neutral, blank), pii [(kind, value, shape,
# span)], look [(kind, value)], tag (attr, qopen, ohdr, rule, sig), lab (an Outlook header label), grp (a PEM block).
def E(c, r="own", **kw):
    e = {"c": c, "p": "", "d": 0, "r": r, "pii": [], "look": [], "tag": None}
    e.update(kw)
    return e


def has(e, name):
    return name in (e["tag"] or "").split()


def BL():
    return E("", "blank")


def sentence(rng, lang, n=None):
    t = L[lang]
    if "tmpl" in t:
        s = rng.choice(t["tmpl"])
        while "{n}" in s:
            s = s.replace("{n}", rng.choice(t["words"]), 1)
        return s.replace("{v}", rng.choice(t["verbs"]))
    words = []
    for _ in range(n or rng.randint(6, 14)):
        r = rng.random()
        words.append(rng.choice(t["fill"] if r < .25 else t["verbs"] if r < .4 else t["words"]))
    s = " ".join(words)
    return s[0].upper() + s[1:] + rng.choice("....?!")


def tokens_of(text, item=None):
    """Space-separated tokens of a frame; the `{v}` token (with the punctuation glued to it) carries the item."""
    out = []
    for w in text.split(" "):
        if "{v}" in w and item is not None:
            out.append((w.replace("{v}", item["text"]), item))
        elif w:
            out.append((w, None))
    return out


def wrap_tokens(toks, width=72):
    lines, cur, items = [], "", []
    for w, it in toks:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append((cur, items)); cur, items = "", []
        cur = f"{cur} {w}" if cur else w
        if it:
            items.append(it)
    if cur:
        lines.append((cur, items))
    return lines


def item_entries(line, items, role="own"):
    e = E(line, role)
    for it in items:
        if it["k"] == "look":
            e["look"].append((it["kind"], it["value"]))
        else:
            e["pii"].append((it["kind"], it["value"], it["shape"], it.get("span")))
    return e


class Gen:
    def __init__(self, rng):
        self.rng = rng
        self.people = make_people(rng)
        self.clock = datetime(2015, 1, 5, 8, tzinfo=timezone.utc).timestamp()
        self.pool = []
        self.mids = set()
        self.grp = 0

    # ---- planted items
    def pii_item(self, lang, kind):
        rng = self.rng
        if kind == "email":
            if rng.random() < .2:
                v = rng.choice(self.people)["addr"]
                shape = "known"
            else:
                first, last = rng.choice(NAMES[lang][0]), rng.choice(NAMES[lang][1])
                loc = ascii_local(f"{ROMAN.get(first, first)} {ROMAN.get(last, last)}")
                loc = rng.choice([loc, loc.split(".")[0], loc + str(rng.randint(1, 99)), f"{loc}+invoices",
                                  rng.choice(["info", "billing", "support", "hr-team"])])
                dom = rng.choice([c[1] for c in COMPANIES] + FREEMAIL + ["mail.co.uk", "sub.dept.example.org"])
                v = f"{loc}@{dom}"
                shape = "plus" if "+" in loc else "role" if loc in ("info", "billing", "support", "hr-team") else "person"
                if rng.random() < .08:
                    v, shape = v[0].upper() + v[1:].replace("@", "@").title().replace(".Example", ".EXAMPLE"), "mixed_case"
            return {"k": "pii", "kind": kind, "text": v, "value": v, "shape": "email_" + shape}
        if kind == "phone":
            country = rng.choice(LANG_COUNTRY[lang]) if rng.random() < .8 else rng.choice(sorted(PHONES))
            v, shape = make_phone(rng, country)
            return {"k": "pii", "kind": kind, "text": v, "value": v, "shape": shape}
        if kind == "card":
            v, shape = make_card(rng)
            return {"k": "pii", "kind": kind, "text": v, "value": v, "shape": shape}
        if kind == "iban":
            c = {"de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL", "pt": "PT", "pl": "PL"}.get(lang)
            v, shape = make_iban(rng, c if c and rng.random() < .7 else None)
            return {"k": "pii", "kind": kind, "text": v, "value": v, "shape": shape}
        if kind == "ip":
            v, shape = make_ipv4(rng) if rng.random() < .6 else make_ipv6(rng)
            text = v
            if rng.random() < .15:
                port = rng.choice([22, 443, 5432, 8080, 3389])
                text, shape = (f"[{v}]:{port}" if ":" in v else f"{v}:{port}"), shape + "_port"
            return {"k": "pii", "kind": kind, "text": text, "value": v, "shape": shape}
        text, v, span, shape = make_secret(rng)
        it = {"k": "pii", "kind": "secret", "text": text, "value": v, "shape": "secret_" + shape}
        if span:
            it["span"] = span
        return it

    def items_for(self, lang):
        rng = self.rng
        items = []
        for _ in range(rng.choices([0, 1, 2, 3], [30, 38, 22, 10])[0]):
            items.append(self.pii_item(lang, rng.choices(["email", "phone", "card", "iban", "ip", "secret"],
                                                         [18, 22, 14, 14, 14, 18])[0]))
        for _ in range(rng.choices([0, 1, 2, 3], [35, 35, 20, 10])[0]):
            k, v = make_lookalike(rng)
            items.append({"k": "look", "kind": k, "text": v, "value": v})
        rng.shuffle(items)
        return items

    # ---- own text
    def paragraphs(self, lang, items, n):
        """Own paragraphs (lists of entries) with the items planted in them."""
        rng = self.rng
        cjk = lang in ("ja", "zh")
        paras = []
        for _ in range(n):
            paras.append([sentence(rng, lang) for _ in range(rng.randint(1, 3) if cjk else rng.randint(2, 4))])
        slots = [[] for _ in paras]          # token lists per paragraph, items inserted as sentences
        extra = []                           # standalone lines / blocks, each its own paragraph
        for it in items:
            if it["kind"] == "secret" and it["shape"] in ("secret_pem", "secret_bearer", "secret_aws_secret",
                                                          "secret_password"):
                extra.append(it); continue
            if it["k"] == "look":
                frame = (rng.choice(LOOK_FRAMES_EN[{"iban_bad": "number"}.get(it["kind"], it["kind"])])
                         if lang == "en" and rng.random() < .6 else LOOK_GENERIC[lang])
                if not cjk and rng.random() < .35:
                    s = sentence(rng, lang).split(" ")
                    s.insert(rng.randint(1, len(s) - 1), "{v}")
                    frame = " ".join(s)
            else:
                frame = rng.choice(FRAMES[lang][it["kind"]])
            if frame.startswith("|"):
                extra.append((frame[1:], it)); continue
            slots[rng.randrange(len(paras))].append((frame, it))
        out = []
        for sents, planted in zip(paras, slots):
            for frame, it in planted:
                sents.insert(rng.randint(0, len(sents)), (frame, it))
            if cjk:
                block = []
                for s in sents:
                    if isinstance(s, tuple):
                        block.append(item_entries(s[0].replace("{v}", s[1]["text"]), [s[1]]))
                    else:
                        block.append(E(s))
                out.append(block)
                continue
            toks = []
            for s in sents:
                toks += tokens_of(s[0], s[1]) if isinstance(s, tuple) else tokens_of(s)
            out.append([item_entries(line, its) for line, its in wrap_tokens(toks)])
        for x in extra:
            if isinstance(x, tuple):
                frame, it = x
                out.insert(rng.randint(1, len(out)), [item_entries(frame.replace("{v}", it["text"]), [it])])
                continue
            it = x
            if it["shape"] == "secret_pem":
                self.grp += 1
                intro = {"en": "Here is the deploy key, keep it safe:", "de": "Hier der Deploy-Schlüssel:",
                         "fr": "Voici la clé de déploiement :"}.get(lang, "Key:")
                lines = it["text"].split("\n")
                block = [E(intro)] + [E(x, grp=self.grp) for x in lines]
                block[1]["pii"].append(("secret", it["value"], it["shape"], None))
                out.insert(rng.randint(1, len(out)), block)
            elif it["shape"] == "secret_bearer" and rng.random() < .5:
                line = f'curl -H "{it["text"]}" https://api.{rng.choice(COMPANIES)[1]}/v1/orders'
                out.insert(rng.randint(1, len(out)), [item_entries(line, [it])])
            elif it["shape"] == "secret_password" and rng.random() < .4:
                fence = [E("```"), E(f"host: db{rng.randint(1, 9)}.internal.example"), item_entries(it["text"], [it]),
                         E("> systemctl restart postgresql"), E("```")]
                out.insert(rng.randint(1, len(out)), fence)
            else:
                out.insert(rng.randint(1, len(out)), [item_entries(it["text"], [it])])
        return out

    def own_part(self, sender, to_first, items, n_paras=None, greet=True, signoff=True):
        rng, lang = self.rng, sender["lang"]
        entries = []
        if greet:
            entries += [E(rng.choice(L[lang]["greet"]).format(n=to_first)), BL()]
        if rng.random() < .04 and lang == "en":          # a body line that mboxrd must escape
            entries += [E("From what I can tell, " + sentence(rng, "en").lower()), BL()]
        if rng.random() < .06 and lang in TRICKY:        # own lines that look like attributions or footers
            x = rng.choice(TRICKY[lang]).format(n=rng.choice(self.people)["first"])
            entries += [E(x)] + [item_entries(line, its) for line, its in wrap_tokens(tokens_of(sentence(rng, lang)))]
            entries.append(BL())
        for para in self.paragraphs(lang, items, n_paras or rng.randint(1, 3)):
            entries += para + [BL()]
        if signoff:
            entries.append(E(rng.choice(L[lang]["bye"])))
            if sender["sig"] != "block" or rng.random() < .3:
                entries.append(E(sender["first"]))
        while entries and entries[-1]["r"] == "blank":
            entries.pop()
        return entries

    def signature(self, sender):
        rng, lang = self.rng, sender["lang"]
        lines = []
        if sender["sig"] == "dashdash":
            lines.append(E("-- ", "signature"))
        elif sender["sig"] == "dashdash_nospace":
            lines.append(E("--", "signature"))
        lines.append(E(sender["name"], "signature"))
        if rng.random() < .5:
            lines.append(E(f"{sender['title']} | {sender['company']}", "signature"))
        else:
            lines += [E(sender["title"], "signature"), E(sender["company"], "signature")]
        if sender["sig_phone"]:
            ph, shape = sender["phone"]
            lab = rng.choice(TEL[lang])
            e = E(f"{lab} {ph}" if not lab.endswith("：") else f"{lab}{ph}", "signature")
            e["pii"].append(("phone", ph, shape, None))
            lines.append(e)
        if sender["sig_email"]:
            e = E(sender["addr"], "signature")
            e["pii"].append(("email", sender["addr"], "email_signature", None))
            lines.append(e)
        if rng.random() < .6:
            lines.append(E(sender["web"], "signature"))
        for e in lines:
            e["tag"] = "sig"
        return lines

    def disclaimer(self, sender):
        text = self.rng.choice(DISCLAIMERS[sender["lang"]])
        return [E(line, "signature", tag="disc") for line, _ in wrap_tokens(tokens_of(text), 76)]

    # ---- quoting
    def quoted(self, parent, style, shift=1, limit=160):
        out = []
        for e in parent["entries"]:
            if e["d"] + shift > 3:
                continue
            q = dict(e, pii=list(e["pii"]), look=[])
            if shift:
                q["p"] = (">" + e["p"]) if style == "tb" and e["p"].startswith(">") else ("> " + e["p"])
                q["d"] = e["d"] + shift
                q["r"] = "quoted"
            elif e["r"] != "blank":
                q["r"] = "quoted"
            q["tag"] = " ".join(w for w in (e["tag"] or "").split() if w not in ("qopen", "sig")) or None
            out.append(q)
            if len(out) >= limit:
                break
        while out and out[-1]["c"] == "" and out[-1]["d"] == 0:
            out.pop()
        return out

    def attribution_entries(self, client, lang, parent):
        rng = self.rng
        d = local(parent["ts"], self.tz)
        lines, variant = attribution(rng, client, lang, d, parent["sender"]["name"], parent["sender"]["addr"],
                                     wrap=self.fmt != "html")
        out = []
        for s in lines:
            e = E(s, "quoted", tag="attr")
            if parent["sender"]["addr"] in s:
                e["pii"].append(("email", parent["sender"]["addr"], "email_attribution", None))
            out.append(e)
        if variant == "gmail_wrapped" and parent["sender"]["addr"] not in lines[0] + lines[1]:
            out[0]["pii"].append(("email", parent["sender"]["addr"], "email_attribution", None))
        return out, variant

    def outlook_block(self, client, lang, parent, recipients):
        rng = self.rng
        sep, fr, sent, to, cc, subj, date, prefix = OUTLOOK[lang]
        ps = parent["sender"]
        variant = "outlook_mac" if client == "outlook_mac" else rng.choice(["original", "rule", "rule", "bare"])
        out = []
        if variant == "original":
            out.append(E(sep, "quoted", tag="ohdr_sep"))
        elif variant == "rule":
            out.append(E("________________________________", "quoted", tag="rule"))
        d = local(parent["ts"], self.tz)

        def hdr(label, value, pii=()):
            e = E(f"{label} {value}", "quoted", tag="ohdr", lab=label)
            e["pii"] += list(pii)
            out.append(e)
        from_v = (f"{ps['name']} [mailto:{ps['addr']}]" if variant == "original" and rng.random() < .5
                  else f"{ps['name']} <{ps['addr']}>")
        hdr(fr, from_v, [("email", ps["addr"], "email_header_block", None)])
        if variant == "outlook_mac":
            lab_date = "Date:" if lang == "en" else date
            hdr(lab_date, outlook_date(lang, d))
        else:
            hdr(sent, outlook_date(lang, d))
        hdr(to, "; ".join(f"{p['name']} <{p['addr']}>" for p in recipients),
            [("email", p["addr"], "email_header_block", None) for p in recipients])
        if parent["cc"] and rng.random() < .7:
            hdr(cc, "; ".join(f"{p['name']} <{p['addr']}>" for p in parent["cc"]),
                [("email", p["addr"], "email_header_block", None) for p in parent["cc"]])
        hdr(subj, parent["subject"])
        return out, "outlook_" + variant if variant != "outlook_mac" else "outlook_mac"

    # ---- one message
    def message(self, index):
        rng = self.rng
        self.clock += rng.expovariate(1 / 3000)
        ts = self.clock
        parent = rng.choice(self.pool[-150:]) if self.pool and rng.random() < .62 else None
        if parent:
            cands = [p for p in self.people if p is not parent["sender"]]
            sender = rng.choice(parent["to"] if rng.random() < .7 and parent["to"] else cands)
            if sender is parent["sender"]:
                sender = rng.choice(cands)
            to = [parent["sender"]] + [p for p in parent["to"] if p is not sender][:rng.randint(0, 2)]
        else:
            sender = rng.choice(self.people)
            to = rng.sample([p for p in self.people if p is not sender], rng.randint(1, 3))
        cc = rng.sample([p for p in self.people if p is not sender and p not in to], rng.choice([0, 0, 0, 1, 2]))
        self.tz = sender["tz"]
        client, lang = sender["client"], sender["lang"]
        style = {"client": client}
        if parent is None:
            reply = "forward" if rng.random() < .1 else "new"
        elif client in ("outlook", "outlook_mac"):
            reply = "outlook_top"
        elif client == "gmail":
            reply = rng.choices(["top", "bottom", "interleaved"], [85, 5, 10])[0]
        elif client == "apple_mac":
            reply = rng.choices(["top", "bottom", "interleaved"], [70, 10, 20])[0]
        elif client == "apple_ios":
            reply = "top"
        else:
            reply = rng.choices(["top", "bottom", "interleaved"], [20, 40, 40])[0]
        style["reply"] = reply
        self.fmt = fmt = self.format_for(client, reply)
        style["format"] = fmt
        mobile = (client == "apple_ios" and rng.random() < .85) or (client in ("gmail", "outlook") and rng.random() < .08)
        items = self.items_for(lang)
        to_first = to[0]["first"]

        sig = []
        if not mobile and sender["sig"] != "none" and rng.random() < .9:
            sig = self.signature(sender)
        style["signature"] = sender["sig"] if sig else "none"
        foot = []
        if mobile:
            opts = MOBILE[lang]
            text = (rng.choice([o for o in opts if "Outlook" in o] or opts) if client == "outlook"
                    else rng.choice([o for o in opts if "Outlook" not in o]))
            foot = [E(text, "signature", tag="foot")]
        style["footer"] = "mobile" if foot else "none"
        disc, disc_at = [], None
        if sender["disclaimer"] and rng.random() < .9:
            disc = self.disclaimer(sender)
            disc_at = "bottom" if reply in ("top", "outlook_top", "forward") and rng.random() < .5 else "after_signature"
        style["disclaimer"] = disc_at or "none"

        def tail():
            out = []
            for block in (sig, foot, disc if disc_at == "after_signature" else []):
                if block:
                    out += [BL()] + block
            return out

        entries, attr_variant, subject = [], None, None
        if reply == "new":
            entries = self.own_part(sender, to_first, items) + tail()
        elif reply == "forward":
            orig = rng.choice([p for p in self.people if p is not sender])
            note = self.own_part(sender, to_first, items, n_paras=1, signoff=rng.random() < .5) if rng.random() < .8 else []
            entries = note + tail()
            d = local(ts - rng.randint(3600, 864000), self.tz)
            fwd_subject = rng.choice(TOPICS)
            if client.startswith("apple"):
                attr_variant = "apple_forward"
                block = [E(FWD_APPLE[lang], "neutral"), BL()]
                hl = [("From:", f"{orig['name']} <{orig['addr']}>", orig["addr"]), ("Subject:", fwd_subject, None),
                      ("Date:", f"{d.day} {L['en']['mfull'][d.month - 1]} {d.year} at {d:%H:%M:%S} GMT{self.tz // 60:+d}", None),
                      ("To:", f"{sender['name']} <{sender['addr']}>", sender["addr"])]
            else:
                attr_variant = "gmail_forward"
                labels = FWD_GMAIL_LABELS.get(lang, FWD_GMAIL_LABELS["en"])
                h, ap = h12(d)
                block = [E(FWD_GMAIL[lang], "neutral")]
                hl = [(labels[0], f"{orig['name']} <{orig['addr']}>", orig["addr"]),
                      (labels[1], f"{L['en']['dab'][d.weekday()]}, {L['en']['mab'][d.month - 1]} {d.day}, {d.year} at {h}:{d.minute:02d} {ap}", None),
                      (labels[2], fwd_subject, None), (labels[3], f"{sender['name']} <{sender['addr']}>", sender["addr"])]
            for lab, val, addr in hl:
                e = E(f"{lab} {val}", "neutral")
                if addr:
                    e["pii"].append(("email", addr, "email_forward_header", None))
                block.append(e)
            content = self.own_part(orig, sender["first"], [], n_paras=rng.randint(1, 3))
            entries = (entries + [BL(), BL()] if entries else []) + block + [BL()] + content
            subject = FWD_SUBJECT[lang] + fwd_subject
        else:
            qstyle = "tb" if client == "thunderbird" else "std"
            subject_prefix = "Re: "
            if reply == "outlook_top":
                head, attr_variant = self.outlook_block(client, lang, parent, parent["to"] or [sender])
                subject_prefix = OUTLOOK[lang][7]
                head[0]["tag"] = (head[0]["tag"] or "") + " qopen"
                head, qbody = head + [BL()], self.quoted(parent, qstyle, shift=0)
            else:
                head, attr_variant = self.attribution_entries(client, lang, parent)
                head[0]["tag"] = "attr qopen"
                if client == "apple_mac":                         # macOS Mail quotes its attribution too
                    for a in head:
                        a["p"], a["d"] = "> ", 1
                    head.append(dict(BL(), p="> ", d=1, r="quoted"))
                elif client != "thunderbird":
                    head.append(BL())
                qbody = self.quoted(parent, qstyle)
            if reply in ("top", "outlook_top"):
                entries = self.own_part(sender, to_first, items) + tail() + [BL()] + head + qbody
            elif reply == "bottom":
                entries = head + qbody + [BL()] + self.own_part(sender, to_first, items) + tail()
            else:
                entries = self.interleave(sender, to_first, items, head, qbody) + tail()
            subject = subject_prefix + parent["root_subject"]
        if disc_at == "bottom":
            entries += [BL()] + disc
        style["attribution"] = attr_variant or "none"
        if parent is None:
            subject = subject if reply == "forward" else rng.choice(TOPICS) + rng.choice(["", "", " - follow up", f" #{rng.randint(100, 9999)}"])
        return self.emit(index, ts, sender, to, cc, parent, subject, entries, style, fmt)

    def interleave(self, sender, to_first, items, head, body):
        """The attribution, then the parent's lines cut at quoted blank lines, with the author's replies between."""
        rng = self.rng
        cuts = [i for i, e in enumerate(body) if e["c"] == "" and 0 < i < len(body) * .7]
        cuts = sorted(rng.sample(cuts, min(len(cuts), rng.randint(1, 3)))) if cuts else [len(body)]
        per = [[] for _ in cuts]
        for it in items:
            per[rng.randrange(len(per))].append(it)
        out = [E(rng.choice(L[sender["lang"]]["greet"]).format(n=to_first)), BL()] if rng.random() < .4 else []
        out += head
        start = 0
        for k, cut in enumerate(cuts):
            out += body[start:cut]
            reply = []
            for para in self.paragraphs(sender["lang"], per[k], 1):
                reply += para
            out += [BL()] + reply + [BL()]
            start = cut + 1
        rest = body[start:]
        if rest and rng.random() < .6:
            out += rest
        while out and out[-1]["r"] == "blank":
            out.pop()
        out += [BL(), E(rng.choice(L[sender["lang"]]["bye"])), E(sender["first"])]
        return out

    def format_for(self, client, reply):
        rng = self.rng
        top = reply in ("new", "forward", "top", "outlook_top")
        if client in ("outlook", "outlook_mac"):
            w = [15, 60, 25]
        elif client == "gmail":
            w = [45, 45, 10]
        elif client.startswith("apple"):
            w = [55, 35, 10]
        else:
            w = [85, 10, 5]
        fmt = rng.choices(["plain", "alternative", "html"], w)[0]
        return "alternative" if fmt == "html" and not top else fmt

    # ---- output
    def msgid(self, client, sender):
        rng = self.rng
        while True:
            if client == "gmail":
                mid = "CA" + "".join(rng.choice(ALNUM + "+_-") for _ in range(rng.randint(40, 46))) + "@mail.gmail.com"
            elif client.startswith("apple"):
                mid = str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper() + "@" + sender["addr"].split("@")[1]
            elif client.startswith("outlook"):
                box = rng.choice(["AM0PR10MB", "DB7PR03MB", "VI1PR08MB", "BN6PR11MB"]) + str(rng.randint(1000, 9999))
                mid = f"{box}{''.join(rng.choice('0123456789ABCDEF') for _ in range(16))}@{box}.eurprd10.prod.outlook.com"
            else:
                mid = f"{str(uuid.UUID(int=rng.getrandbits(128), version=4))}@{sender['addr'].split('@')[1]}"
            if mid not in self.mids:
                self.mids.add(mid)
                return mid

    def emit(self, index, ts, sender, to, cc, parent, subject, entries, style, fmt):
        rng = self.rng
        client = sender["client"]
        mid = self.msgid(client, sender)
        plain = render_plain(entries)
        html_doc = render_html(entries, client) if fmt != "plain" else None
        truth_entries = truth_lines(entries, html_only=fmt == "html")
        hdr = [("Return-Path", f"<{sender['addr']}>"), ("Message-ID", f"<{mid}>"),
               ("Date", email.utils.format_datetime(local(ts, sender["tz"]))),
               ("From", fmt_addr(sender)), ("To", ", ".join(fmt_addr(p) for p in to))]
        if cc:
            hdr.append(("Cc", ", ".join(fmt_addr(p) for p in cc)))
        hdr.append(("Subject", subject if subject.isascii() else Header(subject, "utf-8").encode()))
        refs = []
        if parent:
            refs = (parent["refs"] + [parent["mid"]])[-8:]
            hdr += [("In-Reply-To", f"<{parent['mid']}>"), ("References", "\n ".join(f"<{r}>" for r in refs))]
        hdr.append(("MIME-Version", "1.0"))
        hdr.append({"gmail": ("X-Mailer", "Gmail"), "apple_mac": ("X-Mailer", "Apple Mail (2.3696.120.41.1.1)"),
                    "apple_ios": ("X-Mailer", "iPhone Mail (12B440)"), "outlook": ("X-Mailer", "Microsoft Outlook 16.0"),
                    "outlook_mac": ("User-Agent", "Microsoft-MacOutlook/16.16.0.180812"),
                    "thunderbird": ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:102.0) Thunderbird/102.6.0")}[client])
        if fmt == "plain":
            ph, pb = text_part(rng, "text/plain", plain)
            body = part(hdr + ph, pb)
        elif fmt == "html":
            ph, pb = text_part(rng, "text/html", html_doc)
            body = part(hdr + ph, pb)
        else:
            b = f"000000000000{rng.getrandbits(48):012x}" if client == "gmail" else f"_000_{rng.getrandbits(64):016X}_"
            th, tb = text_part(rng, "text/plain", plain)
            hh, hb = text_part(rng, "text/html", html_doc)
            payload = (f"--{b}\n".encode() + part(th, tb) + f"\n--{b}\n".encode() + part(hh, hb) + f"\n--{b}--\n".encode())
            body = part(hdr + [("Content-Type", f'multipart/alternative; boundary="{b}"')], payload)
        env = f"From {sender['addr']} {asctime(ts + rng.randint(1, 90))}\n".encode()
        raw = env + FROM_QUOTE.sub(rb">\1", body) + (b"" if body.endswith(b"\n") else b"\n") + b"\n"
        t = {"index": index, "parent": parent["mid"] if parent else None, "lang": sender["lang"], "format": fmt,
             "style": style, "from": sender["addr"], "to": [p["addr"] for p in to], "cc": [p["addr"] for p in cc],
             **truth_entries}
        self.pool.append({"mid": mid, "entries": entries, "sender": sender, "ts": ts, "subject": subject, "to": to,
                          "cc": cc, "refs": refs, "root_subject": parent["root_subject"] if parent else subject,
                          "lang": sender["lang"]})
        if len(self.pool) > 400:
            del self.pool[:200]
        return mid, raw, t


FROM_QUOTE = re.compile(rb"(?m)^(>*From )")


def asctime(ts):
    d = datetime.fromtimestamp(ts, timezone.utc)
    return f"{L['en']['dab'][d.weekday()]} {L['en']['mab'][d.month - 1]} {d.day:2d} {d:%H:%M:%S} {d.year}"


def fmt_addr(p):
    return email.utils.formataddr((p["name"], p["addr"]), charset="utf-8")


def part(headers, body):
    return "".join(f"{k}: {v}\n" for k, v in headers).encode() + b"\n" + body


def text_part(rng, ctype, text):
    data = text.encode("utf-8")
    if data.isascii():
        return [("Content-Type", f'{ctype}; charset="us-ascii"'), ("Content-Transfer-Encoding", "7bit")], data
    cte = rng.choices(["8bit", "quoted-printable", "base64"], [40, 35, 25])[0]
    enc = {"8bit": lambda b: b, "quoted-printable": quopri.encodestring, "base64": base64.encodebytes}[cte](data)
    return [("Content-Type", f'{ctype}; charset="UTF-8"'), ("Content-Transfer-Encoding", cte)], enc


def line_text(e):
    return e["p"] + e["c"] if e["c"] else e["p"].rstrip()


def render_plain(entries):
    return "\n".join(line_text(e) for e in entries) + "\n"


BQ = {"gmail": '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">',
      "apple": '<blockquote type="cite">', "thunderbird": '<blockquote type="cite">'}


def render_html(entries, client):
    esc = lambda s: html.escape(s, quote=False)
    fam = "gmail" if client in ("gmail", "outlook", "outlook_mac") else "apple" if client.startswith("apple") else "thunderbird"
    out = ['<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>',
           '<div dir="ltr">']
    depth, opened, in_hdr, in_sig = 0, 0, False, False
    for i, e in enumerate(entries):
        if in_sig and not has(e, "sig"):
            out.append("</div>"); in_sig = False
        if in_hdr and not has(e, "ohdr"):
            out.append("</font><div>&nbsp;</div></div>"); in_hdr = False
        while depth > e["d"]:
            out.append("</blockquote>"); depth -= 1
        if has(e, "qopen"):
            if client.startswith("outlook"):
                out.append('<div id="appendonsend"></div>')
            else:
                out.append('<div class="gmail_quote">' if fam == "gmail" else '<div>')
                opened += 1
        while depth < e["d"]:
            out.append(BQ[fam]); depth += 1
        if has(e, "rule"):
            out.append('<hr style="display:inline-block;width:98%" tabindex="-1">')
            continue
        if has(e, "ohdr"):
            if not in_hdr:
                out.append('<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">')
                in_hdr = True
            out.append(f"<b>{esc(e['lab'])}</b>{esc(e['c'][len(e['lab']):])}<br>")
            continue
        if has(e, "sig") and not in_sig and e["d"] == 0:
            out.append('<div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature">' if client == "gmail"
                       else '<div id="Signature">' if client.startswith("outlook")
                       else '<div class="moz-signature">' if client == "thunderbird" else "<div>")
            in_sig = True
        if not e["c"]:
            out.append("<div><br></div>")
        elif has(e, "attr") and fam == "gmail":
            a = esc(e["c"])
            for kind, v, *_ in e["pii"]:
                a = a.replace(esc(v), f'<a href="mailto:{v}">{esc(v)}</a>')
            out.append(f'<div dir="ltr" class="gmail_attr">{a}<br></div>')
        elif has(e, "attr") and fam == "apple" and e["d"] == 0:     # iOS Mail: the attribution in a cite
            out.append(f'<div dir="ltr"><br><blockquote type="cite">{esc(e["c"])}<br><br></blockquote></div>')
        elif has(e, "attr") and fam == "thunderbird":
            out.append(f'<div class="moz-cite-prefix">{esc(e["c"])}<br></div>')
        else:
            out.append(f"<div>{esc(e['c'])}</div>")
    if in_sig:
        out.append("</div>")
    if in_hdr:
        out.append("</font><div>&nbsp;</div></div>")
    out += ["</blockquote>"] * depth + ["</div>"] * opened + ["</div>", "</body></html>"]
    return "\n".join(out) + "\n"


def truth_lines(entries, html_only):
    """The truth lists of one body: each non-blank line under its role (a PEM block as one own entry)."""
    t = {"own": [], "quoted": [], "signature": [], "neutral": [], "quote_header": [], "pii": [], "pii_other": [],
         "lookalikes": []}
    seen_other = set()
    last_grp = None
    for e in entries:
        if html_only:
            if has(e, "rule"):
                continue
            text = " ".join(e["c"].split())
        else:
            text = line_text(e)
        role = e["r"]
        if role == "blank" or not text.strip():
            last_grp = None
            continue
        if e.get("grp") and role == "own" and e["grp"] == last_grp:
            t["own"][-1] += "\n" + text
        else:
            t[role].append(text)
        last_grp = e.get("grp") if role == "own" else None
        if role == "quoted" and any(has(e, w) for w in ("attr", "ohdr", "ohdr_sep", "rule")):
            t["quote_header"].append(text)
        for kind, value, shape, span in e["pii"]:
            if role == "own":
                d = {"kind": kind, "value": value, "shape": shape}
                if span:
                    d["span"] = span
                t["pii"].append(d)
            elif (kind, value, role) not in seen_other:
                seen_other.add((kind, value, role))
                t["pii_other"].append({"kind": kind, "value": value, "shape": shape, "where": role})
        for kind, value in e["look"]:
            t["lookalikes"].append({"kind": kind, "value": value})
    return t


# ------------------------------------------------------------------ main --
def generate(a):
    rng = random.Random(a.seed)
    g = Gen(rng)
    messages = {}
    with open(a.out, "wb") as f:
        for i in range(a.messages):
            mid, raw, t = g.message(i)
            f.write(raw)
            messages[mid] = t
    truth_path = a.truth or a.out + ".truth.json"
    doc = {"kind": "clean-mbox", "seed": a.seed, "count": len(messages), "placeholder": PLACEHOLDER,
           "notes": "lines as the body holds them (text/plain, else the HTML as text); blank lines omitted; "
                    "a PEM block is one own entry spanning lines; see the generator's docstring",
           "messages": messages}
    with open(truth_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
    counts = {}
    for t in messages.values():
        for p in t["pii"] + [p for p in t["pii_other"] if p["where"] == "signature"]:
            counts[p["kind"]] = counts.get(p["kind"], 0) + 1
    print(f"gen_clean_corpus: {len(messages)} messages, {os.path.getsize(a.out)} bytes -> {a.out} "
          f"(truth: {truth_path}); planted " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


# ------------------------------------------------------------------ self-check --
class HTMLToText(HTMLParser):
    """Block elements end lines, whitespace collapses: the shape of the converter the adapters use."""
    BLOCK = {"div", "p", "br", "blockquote", "hr", "li", "tr", "table", "body", "html", "h1", "h2", "h3", "font_never"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("style", "script", "head")
        if tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "script", "head")
        if tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, d):
        if not self.skip:
            self.out.append(d)

    def text(self):
        return "\n".join(" ".join(l.split()) for l in "".join(self.out).split("\n"))


def body_text(m):
    p = m.get_body(preferencelist=("plain", "html"))
    if p is None:
        return ""
    s = p.get_content()
    if p.get_content_type() == "text/html":
        h = HTMLToText(); h.feed(s); s = h.text()
    return s


def nl(s):
    return " ".join(s.split())


def truth_body_lines(t):
    out = []
    for role in ("own", "quoted", "signature", "neutral"):
        for x in t[role]:
            out += [nl(y) for y in x.split("\n") if nl(y)]
    return out


def verify(a):
    from collections import Counter
    path = a.verify
    truth = json.load(open(a.truth or path + ".truth.json", encoding="utf-8"))
    T = truth["messages"]
    box = mailbox.mbox(path, create=False)
    problems, seen, bodies = [], [], {}
    stats = Counter()

    def bad(mid, what):
        problems.append(f"{mid}: {what}")

    for key in box.iterkeys():
        raw = box.get_bytes(key)
        env = box.get_message(key).get_from()
        try:
            datetime.strptime(" ".join(env.split(" ", 1)[1].split()), "%a %b %d %H:%M:%S %Y")
        except (ValueError, IndexError):
            bad("?", f"From_ line without an asctime date: {env!r}")
        raw = re.sub(rb"(?m)^>(>*From )", rb"\1", raw)
        m = BytesParser(policy=policy.default).parsebytes(raw)
        mid = (m["Message-ID"] or "").strip().strip("<>")
        if not mid or mid not in T:
            bad(mid, "Message-ID missing or not in the truth"); continue
        if mid in bodies:
            bad(mid, "duplicate Message-ID"); continue
        seen.append(mid)
        t = T[mid]
        if m["Date"] is None or m["Date"].datetime is None:
            bad(mid, "no readable Date")
        irt = (m["In-Reply-To"] or "").strip().strip("<>") or None
        if irt != t["parent"]:
            bad(mid, f"In-Reply-To {irt} != truth parent {t['parent']}")
        if irt and irt not in bodies:
            bad(mid, "replies to a message not earlier in the file")
        if irt and irt not in (m["References"] or ""):
            bad(mid, "References lacks the parent")
        text = body_text(m)
        lines = [nl(x) for x in text.split("\n") if nl(x)]
        bodies[mid] = lines
        got, want = Counter(lines), Counter(truth_body_lines(t))
        if got != want:
            extra, missing = list((got - want).elements())[:3], list((want - got).elements())[:3]
            bad(mid, f"body lines differ from the truth: not in truth {extra}, not in body {missing}")
        stats["lines"] += len(lines)
        stats["format_" + t["format"]] += 1
        # quoted lines of a reply are lines of its parent (with quote marks off), apart from the headers
        if irt in bodies:
            unq = lambda s: re.sub(r"^[>\s]+", "", s)
            parent_lines = {unq(x) for x in bodies[irt]}
            headers = {nl(x) for x in t["quote_header"]}
            for q in t["quoted"]:
                if nl(q) in headers or not unq(nl(q)):
                    continue
                stats["quoted_checked"] += 1
                if unq(nl(q)) not in parent_lines and not re.fullmatch(r"_{10,}", unq(nl(q))):
                    stats["quoted_not_in_parent"] += 1
                    if stats["quoted_not_in_parent"] <= 3:
                        bad(mid, f"quoted line not in the parent: {q!r}")
        own_text = "\n".join(t["own"])
        for p in t["pii"]:
            v, kind = p["value"], p["kind"]
            stats["pii_" + kind] += 1
            if v not in own_text:
                bad(mid, f"planted {kind} {v!r} not in an own line")
            if "\n" in v and p["shape"] != "secret_pem":
                bad(mid, f"planted {kind} spans lines")
            if kind == "card":
                dg = re.sub(r"\D", "", v)
                ok = luhn_ok(dg) and (dg[0] == "4" and len(dg) == 16 or dg[:2] in ("34", "37") and len(dg) == 15 or
                                      51 <= int(dg[:2]) <= 55 or 2221 <= int(dg[:4]) <= 2720 or
                                      dg.startswith(("6011", "65")) or 644 <= int(dg[:3]) <= 649)
                if not ok:
                    bad(mid, f"card {v} fails Luhn or has no issuer prefix")
            if kind == "iban" and not iban_ok(v):
                bad(mid, f"IBAN {v} fails mod 97")
        for p in t["pii_other"]:
            if p["value"] not in text and p["where"] != "quoted":
                bad(mid, f"{p['where']} {p['kind']} {p['value']!r} not in the body")
        for x in t["lookalikes"]:
            v, kind = x["value"], x["kind"]
            stats["look_" + kind] += 1
            if v not in own_text:
                bad(mid, f"look-alike {v!r} not in an own line")
            if kind == "isbn" and not (isbn13_ok(v) if len(re.sub(r"[^0-9X]", "", v.replace("ISBN-10", ""))) == 13
                                       else isbn10_ok(v.replace("ISBN-10", ""))):
                bad(mid, f"ISBN {v} has a wrong check digit")
            if kind == "number" and luhn_ok(re.sub(r"\D", "", v)):
                bad(mid, f"look-alike {v} passes Luhn")
            if kind == "iban_bad" and iban_ok(v):
                bad(mid, f"look-alike {v} passes mod 97")
            if any(v in p["value"] or p["value"] in v for p in t["pii"]):
                bad(mid, f"look-alike {v} overlaps a planted value")
    if len(seen) != len(T):
        problems.append(f"{len(seen)} messages parsed, {len(T)} in the truth")
    if seen != list(T)[:len(seen)]:
        problems.append("truth order differs from file order")
    for p in problems[:40]:
        print("PROBLEM", p)
    print(f"verify: {len(seen)} messages, {stats['lines']} body lines; formats " +
          ", ".join(f"{k[7:]} {v}" for k, v in sorted(stats.items()) if k.startswith("format_")))
    print("  planted: " + ", ".join(f"{k[4:]} {v}" for k, v in sorted(stats.items()) if k.startswith("pii_")))
    print("  look-alikes: " + ", ".join(f"{k[5:]} {v}" for k, v in sorted(stats.items()) if k.startswith("look_")))
    print(f"  quoted lines checked against their parent: {stats['quoted_checked']}, "
          f"not found there: {stats['quoted_not_in_parent']}")
    print(f"verify: {len(problems)} problems")
    return 1 if problems else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--truth", help="truth path (default OUT.truth.json)")
    ap.add_argument("--verify", metavar="FILE", help="check a written corpus against its truth, then exit")
    a = ap.parse_args(argv)
    if a.verify:
        return verify(a)
    if not a.out or not a.messages:
        ap.error("--messages N and --out FILE are needed (or --verify FILE)")
    return generate(a)


if __name__ == "__main__":
    sys.exit(main())
