// Choosing a new password (registration, reset): the rules, read out with the field, the field, its
// repetition and one switch that shows both in plain text. One place, so the pages cannot drift apart.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CheckboxField, TextField } from './forms.js';

export function NewPasswordFields({
  idPrefix,
  labels,
  password,
  repeat,
  onPasswordChange,
  onRepeatChange,
  passwordError,
  repeatError,
  showTip = false,
}: {
  /** Ids: `<prefix>-password`, `<prefix>-repeat`, `<prefix>-rules`, `<prefix>-show`. */
  idPrefix: string;
  labels: { password: string; repeat: string; show: string };
  password: string;
  repeat: string;
  onPasswordChange: (value: string) => void;
  onRepeatChange: (value: string) => void;
  passwordError?: string | undefined;
  repeatError?: string | undefined;
  /** A tip below the rules (left out of what is read with the field, to keep that short). */
  showTip?: boolean;
}) {
  const { t } = useTranslation();
  const [visible, setVisible] = useState(false);
  const rulesId = `${idPrefix}-rules`;
  const common = {
    type: visible ? 'text' : 'password',
    autoComplete: 'new-password',
    spellCheck: false,
    autoCapitalize: 'off',
  } as const;
  return (
    <>
      <div id={rulesId}>
        <p className="kern-body kern-body--bold">{t('passwordResetConfirm.rulesTitle')}</p>
        <ul className="kern-list kern-list--bullet">
          <li className="kern-body">{t('passwordResetConfirm.ruleLength')}</li>
          <li className="kern-body">{t('passwordResetConfirm.ruleEmail')}</li>
          <li className="kern-body">{t('passwordResetConfirm.ruleVariety')}</li>
        </ul>
      </div>
      {showTip && <p className="kern-body">{t('passwordResetConfirm.rulesTip')}</p>}
      <TextField
        id={`${idPrefix}-password`}
        label={labels.password}
        name="new-password"
        {...common}
        value={password}
        onChange={(event) => onPasswordChange(event.target.value)}
        error={passwordError}
        describedBy={rulesId}
      />
      <TextField
        id={`${idPrefix}-repeat`}
        label={labels.repeat}
        name="repeat-password"
        {...common}
        value={repeat}
        onChange={(event) => onRepeatChange(event.target.value)}
        error={repeatError}
      />
      <CheckboxField id={`${idPrefix}-show`} label={labels.show} checked={visible} onChange={setVisible} />
    </>
  );
}
