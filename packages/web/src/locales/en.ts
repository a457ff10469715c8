import type { Messages } from './de.js';
import { rulesEn } from './rules.en.js';
import { dashboardEn } from './dashboard.en.js';
import { cloudCalendarEn } from './cloudCalendar.en.js';
import { participationEn } from './participation.en.js';
import { egovEn } from './egov.en.js';
import { meetingsEn } from './meetings.en.js';
import { cloudPrivacyEn } from './cloudPrivacy.en.js';
import { cloudFilesEn } from './cloudFiles.en.js';
import { accountEn } from './account.en.js';

const en: Messages = {
  common: {
    platformName: 'Smart Region Südkreis',
    skipLink: 'Skip to content',
    loading: 'Loading …',
    backToStart: 'Go to the start page',
  },
  header: {
    menu: 'Menu',
    mainNavigation: 'Main navigation',
    switchLanguage: 'Deutsch',
    switchLanguageLang: 'de',
    login: 'Sign in',
    logout: 'Sign out',
    signedInAs: 'Signed in as {{name}}',
    logoutFailed: 'Signing out did not work. Please try again.',
  },
  footer: {
    legalNavigation: 'Legal',
    note: 'A joint service of the municipalities in our region.',
  },
  areas: {
    dashboard: {
      name: 'Dashboard',
      teaser:
        'Readings from across the region, such as weather, water levels or free parking spaces. Open to everyone, no account needed.',
      description:
        'The dashboard shows readings from the municipalities’ sensors, such as weather, water levels of streams or how full car parks are. All data is public and needs no account.',
    },
    services: {
      name: 'Citizen services',
      teaser: 'Deal with your municipality online: submit applications, report damage, follow the progress.',
      description:
        'In the citizen services you deal with your municipality online: you submit applications, report a broken street light, for example, and see how far the processing has got. Some services work without an account, for others you sign in.',
    },
    backoffice: {
      name: 'Back office',
      teaser:
        'For municipal staff: process applications and reports, design workflows, keep data up to date.',
      description:
        'The back office is where the municipalities’ staff work. Applications and reports are processed here, workflows are designed and the municipalities’ details are kept up to date. Staff can stand in for each other across municipalities.',
    },
    clubcloud: {
      name: 'Club cloud',
      teaser: 'For clubs: members, dates and documents in one place, supported by the municipality.',
      description:
        'The club cloud is for the clubs and associations of the region. Boards and members find dates, documents and announcements in one place. The municipalities support the clubs in this.',
    },
    underConstruction: 'This area is being built. The first features will follow soon.',
    noAccess:
      'Your account has no access to this area. If you need access, please contact the administration of your municipality.',
    yourRoles: 'Your roles',
    yourMunicipalities: 'Your municipalities',
    noRoles: 'No roles have been assigned to your account yet.',
    allMunicipalities: 'all municipalities',
    substitution: 'standing in',
    homeMunicipality: 'home municipality',
  },
  roles: {
    platform_admin: 'Platform administrator',
    municipal_admin: 'Municipal administrator',
    process_designer: 'Workflow designer',
    caseworker: 'Caseworker',
    building_yard: 'Building yard',
    club_admin: 'Club board',
    club_member: 'Club member',
    citizen: 'Citizen',
  },
  start: {
    lead: 'The municipalities of our region offer their digital services here together. Choose your municipality or an area.',
    municipalities: 'Municipalities',
    noMunicipalities: 'No municipalities have been added yet.',
    loadFailed: 'The list of municipalities could not be loaded. Please reload the page later.',
    areasHeading: 'What you will find here',
    loginRequired: 'Account required',
  },
  municipality: {
    coatOfArms: 'Coat of arms of {{name}}',
    contact: 'Contact',
    address: 'Address',
    phone: 'Phone',
    email: 'Email',
    ags: 'Official municipality key (AGS)',
    noContact: 'No contact details have been added for this municipality yet.',
    links: 'On the municipality’s website',
    website: 'Website',
    privacy: 'Privacy policy',
    imprint: 'Imprint',
    accessibility: 'Accessibility statement',
    noLinks: 'No links have been added for this municipality yet.',
    allMunicipalities: 'All municipalities',
  },
  login: {
    title: 'Sign in',
    lead: 'Sign in with your email address and your password.',
    email: 'Email address',
    password: 'Password',
    showPassword: 'Show password',
    submit: 'Sign in',
    submitting: 'Signing in …',
    forgotPassword: 'Forgotten your password?',
    or: 'Or',
    errorSummary: 'Please check your entries',
    failedSummary: 'Signing in did not work',
    emailRequired: 'Please enter your email address.',
    emailInvalid: 'Please enter a valid email address, for example name@example.com.',
    passwordRequired: 'Please enter your password.',
    invalidCredentials: 'The email address or the password is wrong.',
    tooManyAttempts_one: 'Too many sign-in attempts. Please wait one minute and then try again.',
    tooManyAttempts_other: 'Too many sign-in attempts. Please wait {{count}} minutes and then try again.',
    tooManyAttemptsLater: 'Too many sign-in attempts. Please wait a few minutes and then try again.',
    unavailable: 'Signing in is not possible right now. Please try again later.',
    alreadySignedIn: 'You are signed in as {{name}}.',
    ssoFailedTitle: 'Signing in with {{provider}} did not work',
    ssoFailedText:
      'Perhaps the sign-in was cancelled or took too long. Please try again. If it still does not work, sign in with your email address and password.',
    ssoFallbackProvider: 'an external account',
  },
  passwordReset: {
    title: 'Forgotten password',
    lead: 'Enter the email address of your account. We will send you a link to set a new password.',
    submit: 'Request link',
    sentTitle: 'Request received',
    sentText:
      'If there is an account for this email address, you will receive an email in the next few minutes. Please also check your spam folder.',
    failedTitle: 'That did not work',
    failedText: 'Your request could not be sent. Please try again later.',
    backToLogin: 'Back to sign in',
  },
  passwordResetConfirm: {
    title: 'Set a new password',
    lead: 'Choose a new password for your account. Then sign in with it.',
    rulesTitle: 'Your new password must be',
    ruleLength: 'at least 12 characters long,',
    ruleEmail: 'without the part of your email address before the @,',
    ruleVariety: 'made of at least 5 different characters.',
    rulesTip:
      'Tip: several words in a row, for example “appletree-rain-bicycle”, are easy to remember and hard to guess.',
    newPassword: 'New password',
    repeatPassword: 'Repeat new password',
    showPasswords: 'Show passwords',
    submit: 'Save password',
    submitting: 'Saving …',
    errorSummary: 'Please check your entries',
    newRequired: 'Please enter a new password.',
    tooShort_one: 'The password is too short: it has 1 character, at least 12 are needed.',
    tooShort_other: 'The password is too short: it has {{count}} characters, at least 12 are needed.',
    tooLong: 'The password is too long. It may have at most 256 characters.',
    tooFewDifferent: 'The password needs at least 5 different characters.',
    containsEmail: 'The password must not contain the part of your email address before the @.',
    notAccepted: 'This password is not accepted. Please choose another one.',
    repeatRequired: 'Please enter the new password a second time.',
    repeatMismatch: 'The two passwords are not the same. Please enter the same password twice.',
    failed: 'The password could not be saved just now. Please try again later.',
    tooManyAttempts: 'Too many attempts. Please wait a few minutes and then try again.',
    doneTitle: 'Your new password is saved',
    doneText:
      'You can now sign in with your new password. For your safety you were signed out on all devices.',
    toLogin: 'Go to sign in',
    invalidTitle: 'This link no longer works',
    invalidText:
      'The link has expired, has already been used or is incomplete. A link is valid for 60 minutes and only once. Please request a new link.',
    requestNew: 'Request a new link',
  },
  legal: {
    accessibility: {
      title: 'Accessibility',
      lead: 'This platform is meant to be easy to use for everyone. The municipalities of the region run it together. Each municipality publishes its own accessibility statement, which also explains how to report barriers to us.',
    },
    privacy: {
      title: 'Privacy',
      lead: 'The municipalities of the region run this platform together. Each municipality explains in its privacy policy how your data is processed.',
    },
    imprint: {
      title: 'Imprint',
      lead: 'The municipalities of the region run this platform together. The legally required details about the provider are in the imprint of each municipality.',
    },
    perMunicipality: 'Statements of the municipalities',
    missing: 'not added yet',
  },
  notFound: {
    title: 'Page not found',
    text: 'This page does not exist on the platform. There may be a typo in the address, or the page has moved.',
  },
  errors: {
    generic: 'That did not work. Please try again later.',
  },
  rules: rulesEn,
  dashboard: dashboardEn,
  participation: participationEn,
  cloudCalendar: cloudCalendarEn,
  egov: egovEn,
  meetings: meetingsEn,
  cloudPrivacy: cloudPrivacyEn,
  cloudFiles: cloudFilesEn,
  ...accountEn,
};

export default en;
