// The application the online-services tests and bench:egov submit: Erika Mustermann of Flieden asks for a
// birth certificate (the shipped Personenstandsurkunde form) and proves who she is with an uploaded ID.

/** The applicant block of every shipped form. */
export const TEST_APPLICANT = {
  vorname: 'Erika',
  familienname: 'Mustermann',
  geburtsdatum: '1980-05-17',
  email: 'erika@example.org',
  strasse: 'Marktplatz 3',
  plz: '36103',
  ort: 'Flieden',
};

/** A complete, valid Personenstandsurkunde form; `ausweis` is the id of the uploaded identity card. */
export function certificateApplication(ausweis: string, copies = 2) {
  return {
    urkunde: {
      art: 'geburt',
      name_im_register: 'Erika Mustermann',
      ereignisdatum: '1980-05-17',
      ereignisort: 'Fulda',
      anzahl: copies,
      zweck: 'rente',
      ausweis,
    },
    antragsteller: TEST_APPLICANT,
    richtig: true,
  };
}
