// English texts of cloudPrivacy.ts, loaded only when someone switches to English.
import type { cloudPrivacyDe } from './cloudPrivacy.js';

export const cloudPrivacyEn: typeof cloudPrivacyDe = {
  title: 'Club data protection',
  cardText: "Export all of a club's data or have the club deleted.",
  lead: "All data stays on the region's own infrastructure. Here you can export a club's data as a ZIP file and delete a club.",
  noClubs: 'You do not manage any club.',
  loadFailed: 'The clubs could not be loaded. Please try again.',
  failed: 'That did not work: {{message}}',
  export: {
    heading: 'Export data',
    text: 'The export contains all current files, the calendars, members, groups, invitations, support requests and public links. It can be downloaded for 7 days.',
    start: 'Export data',
    none: 'No export yet.',
    status_queued: 'Waiting to start',
    status_running: 'Being created',
    status_done: 'Ready',
    status_failed: 'Failed',
    progress: '{{done}} of {{total}} files',
    item: 'Export of {{date}}: {{status}}',
    download: 'Download ZIP (export of {{date}})',
    expires: 'Available until {{date}}',
  },
  delete: {
    heading: 'Delete club',
    text: 'Deletes the club with all files, versions, calendars, meetings, links, memberships and requests. Access is blocked at once. This cannot be undone.',
    open: 'Delete club',
    dialogTitle: 'Delete the club “{{name}}” for good?',
    confirmLabel: "Type the club's name to confirm: {{name}}",
    mismatch: "The name you typed does not match the club's name.",
    confirm: 'Delete for good',
    cancel: 'Cancel',
    started: 'The club “{{name}}” is being deleted. Access is already blocked.',
    deleting: 'This club is being deleted.',
    requestHint: 'As a club admin you can ask your municipality for the deletion with a support request.',
  },
};
