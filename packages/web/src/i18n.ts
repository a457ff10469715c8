import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import de, { type Messages } from './locales/de.js';

export const LANGUAGES = ['de', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'srp.language';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Messages };
  }
}

function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** German unless the person chose another language on this device before. */
function initialLanguage(): Language {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLanguage(stored)) return stored;
  } catch {
    // Storage can be blocked (privacy settings); the default language still works.
  }
  return 'de';
}

/** True when the person picked a language with the switch in this browser (it then wins over the account). */
export function languageChosenHere(): boolean {
  try {
    return isLanguage(localStorage.getItem(STORAGE_KEY));
  } catch {
    return false;
  }
}

/**
 * Applies the language stored with the account after a login, unless the person chose one in this browser.
 * Not persisted: the browser's own choice (the switch) stays the only thing written to storage.
 */
export async function applyAccountLanguage(locale: string): Promise<void> {
  if (!isLanguage(locale) || languageChosenHere() || locale === currentLanguage()) return;
  await switchTo(locale);
}

// German ships with the app; English is a chunk of its own, fetched the first time it is needed, so
// the German majority does not download it.
async function switchTo(language: Language): Promise<void> {
  if (language === 'en' && !i18next.hasResourceBundle('en', 'translation')) {
    const { default: en } = await import('./locales/en.js');
    i18next.addResourceBundle('en', 'translation', en);
  }
  await i18next.changeLanguage(language);
}

export function currentLanguage(): Language {
  return isLanguage(i18next.language) ? i18next.language : 'de';
}

export async function changeLanguage(language: Language): Promise<void> {
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Not persisted, but the switch still applies to this visit.
  }
  await switchTo(language);
}

// Screen readers pick their voice from <html lang>, so it must follow every switch.
i18next.on('languageChanged', (language) => {
  document.documentElement.lang = language;
});

// German is bundled, so initialisation finishes synchronously; someone who chose English before waits
// for languageReady (main.tsx does) so the first render is already in English.
void i18next.use(initReactI18next).init({
  resources: { de: { translation: de } },
  lng: 'de',
  fallbackLng: 'de',
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false }, // React escapes already
  initAsync: false,
});

document.documentElement.lang = currentLanguage();

const chosen = initialLanguage();
// If the English chunk cannot be fetched (offline), the page starts in German rather than not at all.
export const languageReady: Promise<void> =
  chosen === 'de' ? Promise.resolve() : switchTo(chosen).catch(() => undefined);

export default i18next;
