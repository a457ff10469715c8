// The README.txt at the top of a club export, in German: what the ZIP holds and how to open it.
import type { Club } from '../../core/db/schema.js';

export const README_TEXT = (club: Club, createdAt: Date) =>
  [
    `Datenexport des Vereins "${club.name}" (${club.slug})`,
    `Erstellt am ${createdAt.toISOString()} (UTC) von der Vereinscloud der Smart Region Platform.`,
    '',
    'Inhalt dieses ZIP-Archivs:',
    '',
    'Dateien/                 Alle aktuellen Dateien und Ordner des Vereins in ihrer Ordnerstruktur.',
    '                         Gelöschte Dateien (Papierkorb) und ältere Versionen sind nicht enthalten.',
    'Kalender/<name>.ics      Jeder Vereinskalender als iCalendar-Datei (RFC 5545). Sie lässt sich in',
    '                         jedes Kalenderprogramm importieren (z. B. Thunderbird, Outlook, Apple).',
    'Mitglieder.json          Verein, Mitglieder mit Rolle, Gruppen mit Rechten und Mitgliedern sowie',
    '                         alle Einladungen (ohne die geheimen Einladungslinks).',
    'Support-Anfragen.json    Anfragen an die Gemeinde mit allen Nachrichten.',
    'Oeffentliche-Links.json  Öffentliche Freigabelinks (ohne die geheimen Link-Adressen und Passwörter).',
    '',
    'Die JSON-Dateien sind UTF-8-kodiert und lassen sich mit jedem Texteditor lesen.',
    'Zeitangaben sind in UTC (ISO 8601).',
    '',
    'Bitte bewahren Sie dieses Archiv sicher auf: Es enthält personenbezogene Daten der Mitglieder.',
    'Der Download steht 7 Tage lang zur Verfügung und wird danach automatisch gelöscht.',
    '',
  ].join('\r\n');
