// The platform explained in Leichte Sprache (plain German), written by staff as a page with that role.
import { useTranslation } from 'react-i18next';
import { Page } from '../../page.js';
import { LoadGate, PostBody, useLoad, type Post } from './shared.js';

export default function PlainLanguagePage() {
  const { t } = useTranslation();
  const pages = useLoad<{ pages: Post[] }>('/api/public/pages?role=plain_language');
  const page =
    pages.status === 'ready'
      ? (pages.data.pages.find((p) => p.municipalityId === null) ?? pages.data.pages[0])
      : undefined;
  return (
    <Page heading={page?.title ?? t('participation.plain.title')}>
      <LoadGate state={pages} />
      {pages.status === 'ready' &&
        (page ? (
          <div lang="de">
            <PostBody html={page.html} />
          </div>
        ) : (
          <p className="kern-body">{t('participation.plain.missing')}</p>
        ))}
    </Page>
  );
}
