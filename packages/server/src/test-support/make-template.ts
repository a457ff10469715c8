import { writePGliteTemplate } from './db.js';

const file = process.argv[2];
if (!file) throw new Error('usage: make-template.ts <file>');
await writePGliteTemplate(file);
