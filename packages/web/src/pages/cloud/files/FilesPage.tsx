// The club file manager under /vereinscloud/dateien: folders with a breadcrumb, resumable uploads (tus)
// by drag and drop or a file button, download, preview of images and PDFs, rename, move, trash and
// restore, versions, search by name and the club's quota. Talks to /api/clubs/:clubId/files.
import { useCallback, useEffect, useRef, useState, type DragEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useParams, useSearchParams } from 'react-router';
import { Upload } from 'tus-js-client';
import { api, ApiError, currentCsrfToken } from '../../../api.js';
import { Alert } from '../../../layout/Alert.js';
import { TextField } from '../../../layout/forms.js';
import { LinkCards } from '../../../layout/LinkCards.js';
import { Loading } from '../../../layout/Loading.js';
import { RequireLogin } from '../../../layout/RequireLogin.js';
import { Page } from '../../../page.js';
import { ActiveSharesPage } from './ActiveSharesPage.js';
import { ShareDialog } from './ShareDialog.js';
import './files.css';

interface FileNode {
  id: string;
  parentId: string | null;
  name: string;
  kind: 'folder' | 'file';
  size: number;
  contentType: string | null;
  modifiedAt: string;
  deletedAt: string | null;
}
interface Listing {
  folder: FileNode;
  path: { id: string; name: string }[];
  items: FileNode[];
  total: number;
  access: 'read' | 'write';
  admin: boolean;
  quotaBytes: number;
  usedBytes: number;
}
interface Club {
  id: string;
  name: string;
  status: string;
}
interface Version {
  id: string;
  size: number;
  createdAt: string;
}
interface Transfer {
  name: string;
  percent: number;
  state: 'running' | 'done' | 'failed';
}

const PAGE = 100;
const PREVIEW = /^(image\/(png|jpeg|gif|webp)|application\/pdf)\b/;

export default function FilesArea() {
  return (
    <RequireLogin>
      <Routes>
        <Route index element={<ClubChooser />} />
        <Route path=":clubId" element={<ClubFiles />} />
        <Route path=":clubId/freigaben" element={<ActiveSharesPage />} />
      </Routes>
    </RequireLogin>
  );
}

function ClubChooser() {
  const { t } = useTranslation();
  const [clubs, setClubs] = useState<Club[] | null>(null);
  useEffect(() => {
    void api
      .get<{ mine: Club[] }>('/api/clubs')
      .then((r) => setClubs(r.mine.filter((c) => c.status === 'active')));
  }, []);
  return (
    <Page heading={t('cloudFiles.title')}>
      {clubs === null ? (
        <Loading />
      ) : clubs.length === 0 ? (
        <p className="kern-body">{t('cloudFiles.noClubs')}</p>
      ) : (
        <>
          <p className="kern-body">{t('cloudFiles.chooseClub')}</p>
          <LinkCards cards={clubs.map((c) => ({ to: `/vereinscloud/dateien/${c.id}`, title: c.name }))} />
        </>
      )}
    </Page>
  );
}

function useBytes() {
  const { i18n } = useTranslation();
  return (bytes: number) => {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    return `${new Intl.NumberFormat(i18n.language, { maximumFractionDigits: unit ? 1 : 0 }).format(value)} ${units[unit]}`;
  };
}

function ClubFiles() {
  const { t, i18n } = useTranslation();
  const bytes = useBytes();
  const { clubId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const folderId = params.get('ordner');
  const term = params.get('suche');
  const showTrash = params.get('papierkorb') === '1';
  const [listing, setListing] = useState<Listing | null>(null);
  const [results, setResults] = useState<FileNode[] | null>(null);
  const [trash, setTrash] = useState<FileNode[] | null>(null);
  const [sort, setSort] = useState<'name' | 'size' | 'modified'>('name');
  const [limit, setLimit] = useState(PAGE);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [transfers, setTransfers] = useState<Transfer[]>([]);
  const [preview, setPreview] = useState<FileNode | null>(null);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const base = `/api/clubs/${clubId}`;

  const fail = useCallback(
    (e: unknown) => setError(e instanceof ApiError ? e.message : t('errors.generic')),
    [t],
  );
  const reload = useCallback(() => {
    const folder = folderId ? `&folderId=${folderId}` : '';
    api
      .get<Listing>(
        `${base}/files?sort=${sort}&order=${sort === 'name' ? 'asc' : 'desc'}&limit=${limit}${folder}`,
      )
      .then(setListing, fail);
    if (term)
      api
        .get<{ items: FileNode[] }>(`${base}/files/search?q=${encodeURIComponent(term)}`)
        .then((r) => setResults(r.items), fail);
    if (showTrash) api.get<{ items: FileNode[] }>(`${base}/trash`).then((r) => setTrash(r.items), fail);
  }, [base, folderId, sort, limit, term, showTrash, fail]);
  useEffect(reload, [reload]);

  const act = async (action: () => Promise<unknown>, done?: string) => {
    setError(null);
    try {
      await action();
      if (done) setStatus(done);
      reload();
    } catch (e) {
      fail(e);
    }
  };

  function upload(files: FileList | File[]) {
    if (!listing) return;
    for (const file of Array.from(files)) {
      const index = transfers.length;
      const update = (patch: Partial<Transfer>) =>
        setTransfers((all) => all.map((x, i) => (i === index ? { ...x, ...patch } : x)));
      setTransfers((all) => [...all, { name: file.name, percent: 0, state: 'running' }]);
      const tus = new Upload(file, {
        endpoint: '/api/cloud/uploads',
        metadata: { filename: file.name, filetype: file.type, clubId, folderId: listing.folder.id },
        headers: { 'x-csrf-token': currentCsrfToken() ?? '' },
        chunkSize: 50 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000],
        removeFingerprintOnSuccess: true,
        onProgress: (sent, total) => update({ percent: total ? Math.floor((sent / total) * 100) : 100 }),
        onSuccess: () => {
          update({ percent: 100, state: 'done' });
          setStatus(t('cloudFiles.uploaded', { name: file.name }));
          reload();
        },
        onError: () => update({ state: 'failed' }),
      });
      // An interrupted upload of the same file continues where it stopped.
      void tus.findPreviousUploads().then((previous) => {
        if (previous[0]) tus.resumeFromPreviousUpload(previous[0]);
        tus.start();
      });
    }
  }

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (listing?.access === 'write' && event.dataTransfer.files.length) upload(event.dataTransfer.files);
  };

  const go = (next: Record<string, string | null>) => {
    const merged = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v === null) merged.delete(k);
      else merged.set(k, v);
    }
    setLimit(PAGE);
    setPreview(null);
    setParams(merged);
  };

  if (!listing) return error ? <Alert variant="danger" title={error} /> : <Loading />;
  const writable = listing.access === 'write';
  const clubName = listing.path[0]?.name ?? '';
  const date = (iso: string) =>
    new Date(iso).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });

  return (
    <Page heading={`${t('cloudFiles.title')}: ${clubName}`}>
      <p className="kern-body" data-testid="quota">
        {t('cloudFiles.quota', { used: bytes(listing.usedBytes), quota: bytes(listing.quotaBytes) })}{' '}
        <progress max={listing.quotaBytes} value={listing.usedBytes} aria-hidden="true" />
      </p>
      {!writable && <Alert variant="info" title={t('cloudFiles.readOnly')} />}
      <p className="kern-body">
        <Link className="kern-link" to={`/vereinscloud/dateien/${clubId}/freigaben`}>
          {t('cloudFiles.activeShares')}
        </Link>
      </p>
      {error && <Alert variant="danger" title={error} role="alert" />}
      <div aria-live="polite" className="kern-body" role="status">
        {status}
      </div>

      <form
        role="search"
        className="srp-files-toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          const value = new FormData(e.currentTarget).get('q');
          if (typeof value === 'string' && value.trim()) go({ suche: value.trim(), papierkorb: null });
        }}
      >
        <TextField
          id="files-search"
          name="q"
          type="search"
          label={t('cloudFiles.search')}
          defaultValue={term ?? ''}
        />
        <button type="submit" className="kern-btn kern-btn--secondary">
          <span className="kern-label">{t('cloudFiles.searchButton')}</span>
        </button>
        {showTrash ? (
          <button
            type="button"
            className="kern-btn kern-btn--tertiary"
            onClick={() => go({ papierkorb: null })}
          >
            <span className="kern-label">{t('cloudFiles.backToFiles')}</span>
          </button>
        ) : (
          <button
            type="button"
            className="kern-btn kern-btn--tertiary"
            onClick={() => go({ papierkorb: '1', suche: null })}
          >
            <span className="kern-label">{t('cloudFiles.trash')}</span>
          </button>
        )}
      </form>

      {term && results && (
        <section aria-labelledby="search-heading" className="kern-stack-sm">
          <h2 id="search-heading" className="kern-heading-medium">
            {t('cloudFiles.searchResults', { term })}
          </h2>
          {results.length === 0 ? (
            <p className="kern-body">{t('cloudFiles.noResults')}</p>
          ) : (
            <ul className="kern-list">
              {results.map((node) => (
                <li key={node.id}>
                  {node.kind === 'folder' ? (
                    <button
                      type="button"
                      className="kern-link"
                      onClick={() => go({ ordner: node.id, suche: null })}
                    >
                      {node.name}/
                    </button>
                  ) : (
                    <a className="kern-link" href={`${base}/files/${node.id}/content`} download={node.name}>
                      {node.name}
                    </a>
                  )}
                </li>
              ))}
            </ul>
          )}
          <button type="button" className="kern-btn kern-btn--tertiary" onClick={() => go({ suche: null })}>
            <span className="kern-label">{t('cloudFiles.clearSearch')}</span>
          </button>
        </section>
      )}

      {showTrash && trash ? (
        <section aria-labelledby="trash-heading" className="kern-stack-sm">
          <h2 id="trash-heading" className="kern-heading-medium">
            {t('cloudFiles.trash')}
          </h2>
          {trash.length === 0 ? (
            <p className="kern-body">{t('cloudFiles.trashEmpty')}</p>
          ) : (
            <ul className="kern-list" data-testid="trash">
              {trash.map((node) => (
                <li key={node.id} className="srp-files-row">
                  <span>
                    {node.name} · {t('cloudFiles.deletedAt')} {node.deletedAt && date(node.deletedAt)}
                  </span>
                  {writable && (
                    <button
                      type="button"
                      className="kern-btn kern-btn--secondary kern-btn--small"
                      aria-label={`${t('cloudFiles.restore')}: ${node.name}`}
                      onClick={() =>
                        void act(
                          () => api.post(`${base}/trash/${node.id}/restore`),
                          t('cloudFiles.restored', { name: node.name }),
                        )
                      }
                    >
                      <span className="kern-label">{t('cloudFiles.restore')}</span>
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : (
        <section
          aria-labelledby="folder-heading"
          className={
            dragging ? 'srp-files-drop srp-files-drop--active kern-stack-sm' : 'srp-files-drop kern-stack-sm'
          }
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          data-testid="dropzone"
        >
          <nav aria-label={t('cloudFiles.breadcrumb')}>
            <ol className="srp-breadcrumb">
              {listing.path.map((crumb, i) => (
                <li key={crumb.id}>
                  {i === listing.path.length - 1 ? (
                    <span aria-current="page" id="folder-heading">
                      {crumb.name}
                    </span>
                  ) : (
                    <button
                      type="button"
                      className="kern-link"
                      onClick={() => go({ ordner: i === 0 ? null : crumb.id })}
                    >
                      {crumb.name}
                    </button>
                  )}
                </li>
              ))}
            </ol>
          </nav>

          {writable && (
            <div className="srp-files-toolbar">
              <NewFolder
                onCreate={(name) =>
                  act(() => api.post(`${base}/folders`, { parentId: listing.folder.id, name }))
                }
              />
              <div className="kern-stack-xs">
                <input
                  ref={fileInput}
                  id="files-upload"
                  type="file"
                  multiple
                  className="kern-sr-only"
                  // The visible button opens it; the input itself stays out of the tab order.
                  tabIndex={-1}
                  aria-label={t('cloudFiles.upload')}
                  onChange={(e) => {
                    if (e.currentTarget.files) upload(e.currentTarget.files);
                    e.currentTarget.value = '';
                  }}
                />
                <button
                  type="button"
                  className="kern-btn kern-btn--primary"
                  onClick={() => fileInput.current?.click()}
                >
                  <span className="kern-label">{t('cloudFiles.upload')}</span>
                </button>
                <p className="kern-body kern-body--small">{t('cloudFiles.dropHere')}</p>
              </div>
            </div>
          )}

          {transfers.length > 0 && (
            <ul className="kern-list" aria-label={t('cloudFiles.upload')}>
              {transfers.map((x, i) => (
                <li key={i}>
                  <label className="kern-body">
                    {x.state === 'failed'
                      ? t('cloudFiles.uploadFailed', { name: x.name })
                      : t('cloudFiles.uploading', { name: x.name, percent: x.percent })}{' '}
                    <progress max={100} value={x.percent} />
                  </label>
                </li>
              ))}
            </ul>
          )}

          <label className="kern-label" htmlFor="files-sort">
            {t('cloudFiles.sortBy')}
          </label>
          <select
            id="files-sort"
            className="kern-form-input__select"
            value={sort}
            onChange={(e) => setSort(e.currentTarget.value as typeof sort)}
          >
            <option value="name">{t('cloudFiles.name')}</option>
            <option value="size">{t('cloudFiles.size')}</option>
            <option value="modified">{t('cloudFiles.modified')}</option>
          </select>

          {listing.items.length === 0 ? (
            <p className="kern-body">{t('cloudFiles.empty')}</p>
          ) : (
            <ul className="kern-list srp-files" data-testid="files">
              {listing.items.map((node) => (
                <FileRow
                  key={node.id}
                  node={node}
                  base={base}
                  writable={writable}
                  mayShare={writable || listing.admin}
                  clubId={clubId}
                  folders={listing.items.filter((n) => n.kind === 'folder' && n.id !== node.id)}
                  parent={listing.path.length > 1 ? listing.path[listing.path.length - 2]! : null}
                  size={bytes(node.size)}
                  modified={date(node.modifiedAt)}
                  open={() => go({ ordner: node.id })}
                  preview={() => setPreview(node)}
                  act={act}
                />
              ))}
            </ul>
          )}
          {listing.total > listing.items.length && (
            <button
              type="button"
              className="kern-btn kern-btn--secondary"
              onClick={() => setLimit(limit + PAGE)}
            >
              <span className="kern-label">{t('cloudFiles.more')}</span>
            </button>
          )}
        </section>
      )}

      {preview && (
        <section
          aria-label={t('cloudFiles.previewOf', { name: preview.name })}
          className="srp-files-preview kern-stack-sm"
        >
          <button
            type="button"
            className="kern-btn kern-btn--secondary"
            onClick={() => setPreview(null)}
            autoFocus
          >
            <span className="kern-label">{t('cloudFiles.closePreview')}</span>
          </button>
          {preview.contentType?.startsWith('application/pdf') ? (
            <iframe
              title={t('cloudFiles.previewOf', { name: preview.name })}
              src={`${base}/files/${preview.id}/content?inline=true`}
            />
          ) : (
            <img
              alt={t('cloudFiles.previewOf', { name: preview.name })}
              src={`${base}/files/${preview.id}/content?inline=true`}
            />
          )}
        </section>
      )}
      <p className="kern-body">
        <Link className="kern-link" to="/vereinscloud">
          {t('areas.clubcloud.name')}
        </Link>
      </p>
    </Page>
  );
}

function NewFolder({ onCreate }: { onCreate: (name: string) => Promise<void> }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) void onCreate(name.trim()).then(() => setName(''));
  };
  return (
    <form onSubmit={submit} className="srp-files-toolbar">
      <TextField
        id="files-new-folder"
        label={t('cloudFiles.folderName')}
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
      />
      <button type="submit" className="kern-btn kern-btn--secondary">
        <span className="kern-label">{t('cloudFiles.create')}</span>
      </button>
    </form>
  );
}

function FileRow({
  node,
  base,
  writable,
  mayShare,
  clubId,
  folders,
  parent,
  size,
  modified,
  open,
  preview,
  act,
}: {
  node: FileNode;
  base: string;
  writable: boolean;
  mayShare: boolean;
  clubId: string;
  folders: FileNode[];
  parent: { id: string; name: string } | null;
  size: string;
  modified: string;
  open: () => void;
  preview: () => void;
  act: (action: () => Promise<unknown>, done?: string) => Promise<void>;
}) {
  const { t, i18n } = useTranslation();
  const [mode, setMode] = useState<'view' | 'rename' | 'move' | 'versions'>('view');
  const [name, setName] = useState(node.name);
  const [target, setTarget] = useState('');
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [sharing, setSharing] = useState(false);
  const shareButton = useRef<HTMLButtonElement>(null);
  const url = `${base}/files/${node.id}`;

  const showVersions = () => {
    setMode(mode === 'versions' ? 'view' : 'versions');
    void api.get<{ items: Version[] }>(`${url}/versions`).then((r) => setVersions(r.items));
  };

  return (
    <li className="srp-files-row" data-testid="file-row">
      <div className="srp-files-name">
        {node.kind === 'folder' ? (
          <button type="button" className="kern-link" onClick={open}>
            <span aria-hidden="true">📁 </span>
            {node.name}
            <span className="kern-sr-only"> ({t('cloudFiles.folder')})</span>
          </button>
        ) : (
          <a className="kern-link" href={`${url}/content`} download={node.name}>
            {node.name}
            <span className="kern-sr-only">, {t('cloudFiles.download')}</span>
          </a>
        )}
        <span className="kern-body kern-body--small">
          {node.kind === 'file' ? `${size} · ` : ''}
          {modified}
        </span>
      </div>
      <div className="srp-files-actions">
        {node.kind === 'file' && PREVIEW.test(node.contentType ?? '') && (
          <button
            type="button"
            className="kern-btn kern-btn--tertiary kern-btn--small"
            onClick={preview}
            aria-label={`${t('cloudFiles.preview')}: ${node.name}`}
          >
            <span className="kern-label">{t('cloudFiles.preview')}</span>
          </button>
        )}
        {node.kind === 'file' && (
          <button
            type="button"
            className="kern-btn kern-btn--tertiary kern-btn--small"
            onClick={showVersions}
            aria-expanded={mode === 'versions'}
            aria-label={`${t('cloudFiles.versions')}: ${node.name}`}
          >
            <span className="kern-label">{t('cloudFiles.versions')}</span>
          </button>
        )}
        {mayShare && (
          <button
            ref={shareButton}
            type="button"
            className="kern-btn kern-btn--tertiary kern-btn--small"
            onClick={() => setSharing(true)}
            aria-haspopup="dialog"
            aria-label={`${t('cloudFiles.share')}: ${node.name}`}
          >
            <span className="kern-label">{t('cloudFiles.share')}</span>
          </button>
        )}
        {writable && (
          <>
            <button
              type="button"
              className="kern-btn kern-btn--tertiary kern-btn--small"
              onClick={() => setMode('rename')}
              aria-label={`${t('cloudFiles.rename')}: ${node.name}`}
            >
              <span className="kern-label">{t('cloudFiles.rename')}</span>
            </button>
            {(folders.length > 0 || parent) && (
              <button
                type="button"
                className="kern-btn kern-btn--tertiary kern-btn--small"
                onClick={() => setMode('move')}
                aria-label={`${t('cloudFiles.move')}: ${node.name}`}
              >
                <span className="kern-label">{t('cloudFiles.move')}</span>
              </button>
            )}
            <button
              type="button"
              className="kern-btn kern-btn--tertiary kern-btn--small"
              aria-label={`${t('cloudFiles.delete')}: ${node.name}`}
              onClick={() => void act(() => api.delete(url), t('cloudFiles.deleted', { name: node.name }))}
            >
              <span className="kern-label">{t('cloudFiles.delete')}</span>
            </button>
          </>
        )}
      </div>
      {sharing && (
        <ShareDialog
          clubId={clubId}
          node={node}
          onClose={() => {
            setSharing(false);
            shareButton.current?.focus();
          }}
        />
      )}
      {mode === 'rename' && (
        <form
          className="srp-files-toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            void act(() => api.patch(url, { name })).then(() => setMode('view'));
          }}
        >
          <TextField
            id={`rename-${node.id}`}
            label={t('cloudFiles.newName', { name: node.name })}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            autoFocus
          />
          <button type="submit" className="kern-btn kern-btn--primary kern-btn--small">
            <span className="kern-label">{t('cloudFiles.save')}</span>
          </button>
          <button
            type="button"
            className="kern-btn kern-btn--secondary kern-btn--small"
            onClick={() => setMode('view')}
          >
            <span className="kern-label">{t('cloudFiles.cancel')}</span>
          </button>
        </form>
      )}
      {mode === 'move' && (
        <form
          className="srp-files-toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            if (target) void act(() => api.patch(url, { parentId: target })).then(() => setMode('view'));
          }}
        >
          <label className="kern-label" htmlFor={`move-${node.id}`}>
            {t('cloudFiles.moveTo', { name: node.name })}
          </label>
          <select
            id={`move-${node.id}`}
            className="kern-form-input__select"
            value={target}
            onChange={(e) => setTarget(e.currentTarget.value)}
          >
            <option value="" />
            {parent && (
              <option value={parent.id}>{`${parent.name} (${t('cloudFiles.parentFolder')})`}</option>
            )}
            {folders.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
          <button type="submit" className="kern-btn kern-btn--primary kern-btn--small">
            <span className="kern-label">{t('cloudFiles.move')}</span>
          </button>
          <button
            type="button"
            className="kern-btn kern-btn--secondary kern-btn--small"
            onClick={() => setMode('view')}
          >
            <span className="kern-label">{t('cloudFiles.cancel')}</span>
          </button>
        </form>
      )}
      {mode === 'versions' && versions && (
        <div className="kern-stack-xs">
          <p className="kern-body kern-body--small">{t('cloudFiles.versionsOf', { name: node.name })}</p>
          {versions.length === 0 ? (
            <p className="kern-body kern-body--small">{t('cloudFiles.noVersions')}</p>
          ) : (
            <ul className="kern-list">
              {versions.map((v) => (
                <li key={v.id}>
                  {new Date(v.createdAt).toLocaleString(i18n.language)} · {v.size} B{' '}
                  {writable && (
                    <button
                      type="button"
                      className="kern-btn kern-btn--tertiary kern-btn--small"
                      onClick={() =>
                        void act(() => api.post(`${url}/versions/${v.id}/restore`)).then(() =>
                          setMode('view'),
                        )
                      }
                    >
                      <span className="kern-label">{t('cloudFiles.restoreVersion')}</span>
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </li>
  );
}
