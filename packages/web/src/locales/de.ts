import { FIRST_SCREEN_DE } from '@srp/contracts';
import { dashboardDe } from './dashboard.js';

// German is the platform's primary language; every other language must have the same keys (see en.ts).
import { rulesDe } from './rules.js';
import { cloudCalendarDe } from './cloudCalendar.js';
import { participationDe } from './participation.js';
import { egovDe } from './egov.js';
import { meetingsDe } from './meetings.js';
import { cloudPrivacyDe } from './cloudPrivacy.js';
import { cloudFilesDe } from './cloudFiles.js';
import { accountDe } from './account.js';

const de = {
  common: {
    platformName: FIRST_SCREEN_DE.platformName,
    skipLink: FIRST_SCREEN_DE.skipLink,
    loading: 'Wird geladen …',
    backToStart: 'Zur Startseite',
  },
  header: {
    menu: FIRST_SCREEN_DE.menu,
    mainNavigation: FIRST_SCREEN_DE.mainNavigation,
    switchLanguage: FIRST_SCREEN_DE.switchLanguage,
    switchLanguageLang: 'en',
    login: FIRST_SCREEN_DE.login,
    logout: 'Abmelden',
    signedInAs: 'Angemeldet als {{name}}',
    logoutFailed: 'Die Abmeldung hat nicht geklappt. Bitte versuchen Sie es noch einmal.',
  },
  footer: {
    legalNavigation: 'Rechtliches',
    note: 'Ein gemeinsames Angebot der Gemeinden unserer Region.',
  },
  areas: {
    dashboard: {
      name: FIRST_SCREEN_DE.areaNames.dashboard,
      teaser:
        'Messwerte aus der Region, zum Beispiel Wetter, Pegelstände oder freie Parkplätze. Für alle offen, ohne Anmeldung.',
      description:
        'Im Dashboard zeigen die Gemeinden Messwerte ihrer Sensoren: zum Beispiel Wetter, Pegelstände von Bächen oder die Belegung von Parkplätzen. Alle Daten sind öffentlich und ohne Anmeldung zugänglich.',
    },
    services: {
      name: FIRST_SCREEN_DE.areaNames.services,
      teaser:
        'Anliegen bei Ihrer Gemeinde online erledigen: Anträge stellen, Schäden melden, den Stand verfolgen.',
      description:
        'Im Bürgerservice erledigen Sie Anliegen bei Ihrer Gemeinde online: Sie stellen Anträge, melden zum Beispiel eine defekte Straßenlaterne und sehen, wie weit die Bearbeitung ist. Manche Dienste gehen ohne Konto, für andere melden Sie sich an.',
    },
    backoffice: {
      name: FIRST_SCREEN_DE.areaNames.backoffice,
      teaser:
        'Für die Mitarbeitenden der Gemeinden: Anträge und Meldungen bearbeiten, Abläufe gestalten, Daten pflegen.',
      description:
        'Die Verwaltung ist der Arbeitsbereich für die Mitarbeitenden der Gemeinden. Hier werden Anträge und Meldungen bearbeitet, Abläufe gestaltet und die Angaben der Gemeinden gepflegt. Vertretungen zwischen den Gemeinden sind möglich.',
    },
    clubcloud: {
      name: FIRST_SCREEN_DE.areaNames.clubcloud,
      teaser: 'Für Vereine: Mitglieder, Termine und Dokumente an einem Ort, unterstützt von der Gemeinde.',
      description:
        'Die Vereinscloud ist für die Vereine der Region. Vorstände und Mitglieder finden hier Termine, Dokumente und Mitteilungen an einem Ort. Die Gemeinden unterstützen die Vereine dabei.',
    },
    underConstruction: 'Dieser Bereich wird gerade aufgebaut. Die ersten Funktionen folgen bald.',
    noAccess:
      'Ihr Konto hat keinen Zugang zu diesem Bereich. Wenn Sie Zugang brauchen, wenden Sie sich bitte an die Verwaltung Ihrer Gemeinde.',
    yourRoles: 'Ihre Rollen',
    yourMunicipalities: 'Ihre Gemeinden',
    noRoles: 'Ihrem Konto sind noch keine Rollen zugeordnet.',
    allMunicipalities: 'alle Gemeinden',
    substitution: 'Vertretung',
    homeMunicipality: 'Wohngemeinde',
  },
  roles: {
    platform_admin: 'Plattform-Administration',
    municipal_admin: 'Administration der Gemeinde',
    process_designer: 'Gestaltung von Abläufen',
    caseworker: 'Sachbearbeitung',
    building_yard: 'Bauhof',
    club_admin: 'Vereinsvorstand',
    club_member: 'Vereinsmitglied',
    citizen: 'Bürgerin oder Bürger',
  },
  start: {
    lead: 'Die Gemeinden unserer Region bieten hier gemeinsam digitale Dienste an. Wählen Sie Ihre Gemeinde oder einen Bereich.',
    municipalities: 'Gemeinden',
    noMunicipalities: 'Es sind noch keine Gemeinden eingetragen.',
    loadFailed:
      'Die Liste der Gemeinden konnte nicht geladen werden. Bitte laden Sie die Seite später noch einmal.',
    areasHeading: 'Was Sie hier finden',
    loginRequired: 'Mit Anmeldung',
  },
  municipality: {
    coatOfArms: 'Wappen von {{name}}',
    contact: 'Kontakt',
    address: 'Anschrift',
    phone: 'Telefon',
    email: 'E-Mail',
    ags: 'Amtlicher Gemeindeschlüssel',
    noContact: 'Für diese Gemeinde sind noch keine Kontaktdaten eingetragen.',
    links: 'Auf der Website der Gemeinde',
    website: 'Website',
    privacy: 'Datenschutz',
    imprint: 'Impressum',
    accessibility: 'Erklärung zur Barrierefreiheit',
    noLinks: 'Für diese Gemeinde sind noch keine Links eingetragen.',
    allMunicipalities: 'Alle Gemeinden',
  },
  login: {
    title: 'Anmelden',
    lead: 'Melden Sie sich mit Ihrer E-Mail-Adresse und Ihrem Passwort an.',
    email: 'E-Mail-Adresse',
    password: 'Passwort',
    showPassword: 'Passwort anzeigen',
    submit: 'Anmelden',
    submitting: 'Anmeldung läuft …',
    forgotPassword: 'Passwort vergessen?',
    or: 'Oder',
    errorSummary: 'Bitte prüfen Sie Ihre Eingaben',
    failedSummary: 'Die Anmeldung hat nicht geklappt',
    emailRequired: 'Bitte geben Sie Ihre E-Mail-Adresse ein.',
    emailInvalid: 'Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@beispiel.de.',
    passwordRequired: 'Bitte geben Sie Ihr Passwort ein.',
    invalidCredentials: 'Die E-Mail-Adresse oder das Passwort ist falsch.',
    tooManyAttempts_one:
      'Zu viele Anmeldeversuche. Bitte warten Sie eine Minute und versuchen Sie es dann noch einmal.',
    tooManyAttempts_other:
      'Zu viele Anmeldeversuche. Bitte warten Sie {{count}} Minuten und versuchen Sie es dann noch einmal.',
    tooManyAttemptsLater:
      'Zu viele Anmeldeversuche. Bitte warten Sie einige Minuten und versuchen Sie es dann noch einmal.',
    unavailable: 'Die Anmeldung ist gerade nicht möglich. Bitte versuchen Sie es später noch einmal.',
    alreadySignedIn: 'Sie sind als {{name}} angemeldet.',
    ssoFailedTitle: 'Die Anmeldung über {{provider}} hat nicht geklappt',
    ssoFailedText:
      'Vielleicht wurde die Anmeldung abgebrochen oder hat zu lange gedauert. Bitte versuchen Sie es noch einmal. Wenn es wieder nicht klappt, melden Sie sich mit E-Mail-Adresse und Passwort an.',
    ssoFallbackProvider: 'ein externes Konto',
  },
  passwordReset: {
    title: 'Passwort vergessen',
    lead: 'Geben Sie die E-Mail-Adresse Ihres Kontos ein. Wir schicken Ihnen dann einen Link, mit dem Sie ein neues Passwort festlegen.',
    submit: 'Link anfordern',
    sentTitle: 'Anfrage erhalten',
    sentText:
      'Wenn es zu dieser E-Mail-Adresse ein Konto gibt, bekommen Sie in den nächsten Minuten eine E-Mail. Schauen Sie bitte auch im Spam-Ordner nach.',
    failedTitle: 'Das hat leider nicht geklappt',
    failedText: 'Ihre Anfrage konnte nicht gesendet werden. Bitte versuchen Sie es später noch einmal.',
    backToLogin: 'Zurück zur Anmeldung',
  },
  passwordResetConfirm: {
    title: 'Neues Passwort festlegen',
    lead: 'Wählen Sie ein neues Passwort für Ihr Konto. Danach melden Sie sich damit an.',
    rulesTitle: 'So muss das neue Passwort sein',
    ruleLength: 'mindestens 12 Zeichen lang,',
    ruleEmail: 'ohne den Teil Ihrer E-Mail-Adresse vor dem @,',
    ruleVariety: 'mit mindestens 5 verschiedenen Zeichen.',
    rulesTip:
      'Tipp: Mehrere Wörter hintereinander, zum Beispiel „Apfelbaum-Regen-Fahrrad“, sind leicht zu merken und schwer zu erraten.',
    newPassword: 'Neues Passwort',
    repeatPassword: 'Neues Passwort wiederholen',
    showPasswords: 'Passwörter anzeigen',
    submit: 'Passwort speichern',
    submitting: 'Wird gespeichert …',
    errorSummary: 'Bitte prüfen Sie Ihre Eingaben',
    newRequired: 'Bitte geben Sie ein neues Passwort ein.',
    tooShort_one: 'Das Passwort ist zu kurz: Es hat 1 Zeichen, nötig sind mindestens 12.',
    tooShort_other: 'Das Passwort ist zu kurz: Es hat {{count}} Zeichen, nötig sind mindestens 12.',
    tooLong: 'Das Passwort ist zu lang. Es darf höchstens 256 Zeichen haben.',
    tooFewDifferent: 'Das Passwort braucht mindestens 5 verschiedene Zeichen.',
    containsEmail: 'Das Passwort darf den Teil Ihrer E-Mail-Adresse vor dem @ nicht enthalten.',
    notAccepted: 'Dieses Passwort wird nicht angenommen. Bitte wählen Sie ein anderes.',
    repeatRequired: 'Bitte geben Sie das neue Passwort ein zweites Mal ein.',
    repeatMismatch: 'Die beiden Passwörter sind nicht gleich. Bitte geben Sie zweimal dasselbe Passwort ein.',
    failed: 'Das Passwort konnte gerade nicht gespeichert werden. Bitte versuchen Sie es später noch einmal.',
    tooManyAttempts:
      'Zu viele Versuche. Bitte warten Sie einige Minuten und versuchen Sie es dann noch einmal.',
    doneTitle: 'Ihr neues Passwort ist gespeichert',
    doneText:
      'Sie können sich jetzt mit dem neuen Passwort anmelden. Zur Sicherheit wurden Sie auf allen Geräten abgemeldet.',
    toLogin: 'Zur Anmeldung',
    invalidTitle: 'Dieser Link funktioniert nicht mehr',
    invalidText:
      'Der Link ist abgelaufen, wurde schon benutzt oder ist unvollständig. Ein Link gilt 60 Minuten und nur einmal. Fordern Sie bitte einen neuen Link an.',
    requestNew: 'Neuen Link anfordern',
  },
  legal: {
    accessibility: {
      title: 'Barrierefreiheit',
      lead: 'Diese Plattform soll für alle Menschen gut nutzbar sein. Sie wird von den Gemeinden der Region gemeinsam betrieben. Jede Gemeinde veröffentlicht ihre eigene Erklärung zur Barrierefreiheit. Dort steht auch, wie Sie uns Barrieren melden können.',
    },
    privacy: {
      title: 'Datenschutz',
      lead: 'Diese Plattform wird von den Gemeinden der Region gemeinsam betrieben. Wie Ihre Daten verarbeitet werden, erklärt jede Gemeinde in ihrer Datenschutzerklärung.',
    },
    imprint: {
      title: 'Impressum',
      lead: 'Diese Plattform wird von den Gemeinden der Region gemeinsam betrieben. Die gesetzlichen Angaben zum Anbieter finden Sie im Impressum der jeweiligen Gemeinde.',
    },
    perMunicipality: 'Erklärungen der Gemeinden',
    missing: 'noch nicht eingetragen',
  },
  notFound: {
    title: 'Seite nicht gefunden',
    text: 'Diese Seite gibt es auf der Plattform nicht. Vielleicht hat sich in der Adresse ein Tippfehler eingeschlichen, oder die Seite wurde verschoben.',
  },
  errors: {
    generic: 'Das hat leider nicht geklappt. Bitte versuchen Sie es später noch einmal.',
  },
  rules: rulesDe,
  dashboard: dashboardDe,
  participation: participationDe,
  cloudCalendar: cloudCalendarDe,
  egov: egovDe,
  meetings: meetingsDe,
  cloudPrivacy: cloudPrivacyDe,
  cloudFiles: cloudFilesDe,
  ...accountDe,
};

export default de;
export type Messages = typeof de;
