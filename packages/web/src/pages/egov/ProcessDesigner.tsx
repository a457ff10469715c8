// The process designer (/verwaltung/prozesse/:serviceId/versionen/:versionId): one service version with
// three tabs: the form (form-js editor with a viewer preview), the workflow (bpmn-js modeler with a small
// panel for our service-task calls and gateway conditions) and the settings. Drafts are edited and saved
// with PATCH; published versions open read-only. The editors (and their CSS) are loaded only here, so
// they never reach the citizen or dashboard bundles.
import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
  type RefObject,
} from 'react';
import { ISO_DURATION } from '@srp/contracts';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { api, ApiError } from '../../api.js';
import { Alert } from '../../layout/Alert.js';
import { CheckboxField, TextField } from '../../layout/forms.js';
import { Page } from '../../page.js';
import { useSession } from '../../session.js';
import { FeeRulesEditor, type FeeRuleProblem } from './FeeRulesEditor.js';
import type { FeeRule } from './feeRuleForm.js';
import './designer.css';

export interface DesignVersion {
  id: string;
  serviceId: string;
  version: number;
  status: 'draft' | 'published' | 'retired';
  name: string;
  description: string;
  formSchema: Record<string, unknown>;
  bpmnXml: string;
  feeRules: FeeRule[];
  requiredDocuments: string[];
  allowAnonymous: boolean;
  retentionDays: number;
  processingDays: number;
  publishedAt: string | null;
}

interface DesignService {
  id: string;
  regionId: string;
  slug: string;
  versions: { id: string; version: number; status: string }[];
}

/** The calls a service task may make; the server refuses any other (catalogue.service.ts). */
const SERVICE_CALLS = [
  'setStatus',
  'generateDocument',
  'requestPayment',
  'sendToConnector',
  'notifyCitizen',
  'remindCaseworker',
] as const;
const SERVICE_EXPRESSION = /^\$\{environment\.services\.(\w+)(?:\("([^"]*)"\))?\}$/;

type Tab = 'form' | 'bpmn' | 'settings';
const TABS: readonly Tab[] = ['form', 'bpmn', 'settings'];

interface FormEditorLike {
  importSchema(schema: unknown): Promise<unknown>;
  saveSchema(): Record<string, unknown>;
  destroy(): void;
}

interface BpmnElement {
  id: string;
  type: string;
  businessObject: {
    id: string;
    name?: string;
    implementation?: string;
    conditionExpression?: { body?: string };
    sourceRef?: { $type: string };
    eventDefinitions?: { $type: string; timeDuration?: { body?: string } }[];
    $type: string;
  };
}

interface BpmnLike {
  importXML(xml: string): Promise<unknown>;
  saveXML(options: { format: boolean }): Promise<{ xml?: string }>;
  get<T = unknown>(service: string): T;
  on(event: string, callback: (event: { newSelection?: BpmnElement[] }) => void): void;
  destroy(): void;
}

interface Canvas {
  zoom(level: string): void;
  resized(): void;
}

interface Modeling {
  updateProperties(element: BpmnElement, properties: Record<string, unknown>): void;
  updateModdleProperties(element: BpmnElement, target: unknown, properties: Record<string, unknown>): void;
}

/** The designer's view of a save or publish problem: the message and what the server pointed at. */
interface Problem {
  message: string;
  details: string[];
}

function problemOf(error: unknown, fallback: string): Problem {
  if (error instanceof ApiError) {
    const details = Object.entries(error.details ?? {}).flatMap(([key, value]) =>
      Array.isArray(value)
        ? value.map((item: unknown) =>
            item && typeof item === 'object' && 'message' in item
              ? `${String((item as FeeRuleProblem).path)}: ${String((item as FeeRuleProblem).message)}`
              : `${key}: ${String(item)}`,
          )
        : [`${key}: ${String(value)}`],
    );
    return { message: error.message, details };
  }
  return { message: error instanceof Error ? error.message : fallback, details: [] };
}

export default function ProcessDesigner() {
  const { serviceId = '', versionId = '' } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { session } = useSession();
  const [version, setVersion] = useState<DesignVersion | null>(null);
  const [service, setService] = useState<DesignService | null>(null);
  const [tab, setTab] = useState<Tab>('form');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const formEditor = useRef<FormEditorLike | null>(null);
  const modeler = useRef<BpmnLike | null>(null);
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({ form: null, bpmn: null, settings: null });
  const settingsRef = useRef<SettingsValues | null>(null);
  /** True while the fee-rule form has inputs that are not usable yet: saving would drop them. */
  const feeRulesUnfinished = useRef(false);
  const [feeProblems, setFeeProblems] = useState<FeeRuleProblem[]>([]);

  useEffect(() => {
    setVersion(null);
    void api
      .get<DesignVersion>(`/api/egov/design/versions/${versionId}`)
      .then(setVersion, (error: unknown) => setProblem(problemOf(error, t('errors.generic'))));
    void api
      .get<{ services: DesignService[] }>('/api/egov/design/services')
      .then((r) => setService(r.services.find((s) => s.id === serviceId) ?? null));
  }, [serviceId, versionId, t]);

  const editable = version?.status === 'draft';

  // Test runs start in a municipality where the designer holds the role (the home one first).
  const testMunicipality = useMemo(() => {
    const ids = session.roles
      .filter((r) => r.role === 'process_designer' && r.municipality)
      .map((r) => r.municipality!.id);
    const home = session.user?.homeMunicipality?.id;
    return home && ids.includes(home) ? home : ids[0];
  }, [session]);

  function onTabKey(event: KeyboardEvent<HTMLButtonElement>) {
    const index = TABS.indexOf(tab);
    const next =
      event.key === 'ArrowRight'
        ? TABS[(index + 1) % TABS.length]
        : event.key === 'ArrowLeft'
          ? TABS[(index + TABS.length - 1) % TABS.length]
          : event.key === 'Home'
            ? TABS[0]
            : event.key === 'End'
              ? TABS[TABS.length - 1]
              : undefined;
    if (!next) return;
    event.preventDefault();
    setTab(next);
    tabRefs.current[next]?.focus();
  }

  /** Collects form, model and settings and saves them; returns the saved version or null on a problem. */
  async function save(): Promise<DesignVersion | null> {
    if (!version || !editable) return version;
    const settings = settingsRef.current;
    if (feeRulesUnfinished.current) {
      setTab('settings');
      setProblem({ message: t('egov.fees.fixBeforeSave'), details: [] });
      return null;
    }
    setBusy(true);
    setNotice(null);
    try {
      const body: Record<string, unknown> = { ...(settings ?? {}) };
      if (formEditor.current) body.formSchema = formEditor.current.saveSchema();
      if (modeler.current) body.bpmnXml = (await modeler.current.saveXML({ format: true })).xml;
      const saved = await api.patch<DesignVersion>(`/api/egov/design/versions/${version.id}`, body);
      setVersion(saved);
      setProblem(null);
      setFeeProblems([]);
      setNotice(t('egov.designer.saved'));
      return saved;
    } catch (error) {
      setProblem(problemOf(error, t('errors.generic')));
      const fees = error instanceof ApiError ? error.details?.feeRules : undefined;
      setFeeProblems(Array.isArray(fees) ? (fees as FeeRuleProblem[]) : []);
      return null;
    } finally {
      setBusy(false);
    }
  }

  async function testRun() {
    if (!version || !testMunicipality) return;
    const saved = await save();
    if (!saved) return;
    try {
      const created = await api.post<{ case: { id: string } }>(
        `/api/egov/municipalities/${testMunicipality}/cases`,
        { serviceId: saved.serviceId, versionId: saved.id },
      );
      void navigate(
        `/buergerservice/antrag/${testMunicipality}/${saved.serviceId}?testVersion=${saved.id}&testCase=${created.case.id}`,
      );
    } catch (error) {
      setProblem(problemOf(error, t('errors.generic')));
    }
  }

  async function publish() {
    setConfirming(false);
    const saved = await save();
    if (!saved) return;
    try {
      setVersion(await api.post<DesignVersion>(`/api/egov/design/versions/${saved.id}/publish`));
      setNotice(t('egov.designer.published'));
    } catch (error) {
      setProblem(problemOf(error, t('errors.generic')));
    }
  }

  async function newDraft() {
    try {
      const draft = await api.post<DesignVersion>(`/api/egov/design/services/${serviceId}/drafts`);
      void navigate(`/verwaltung/prozesse/${serviceId}/versionen/${draft.id}`);
    } catch (error) {
      const open = error instanceof ApiError ? (error.details?.versionId as string | undefined) : undefined;
      if (open) void navigate(`/verwaltung/prozesse/${serviceId}/versionen/${open}`);
      else setProblem(problemOf(error, t('errors.generic')));
    }
  }

  if (!version)
    return (
      <Page heading={t('egov.designer.title')}>
        {problem ? (
          <Alert variant="danger" title={problem.message} role="alert" />
        ) : (
          <p className="kern-body srp-loading">{t('common.loading')}</p>
        )}
      </Page>
    );

  return (
    <Page
      title={`${version.name} – ${t('egov.designer.title')}`}
      heading={`${version.name} (${t('egov.designer.version', { version: version.version })})`}
    >
      <p className="kern-body">
        <Link to="/verwaltung/prozesse">{t('egov.designer.back')}</Link>
        {' · '}
        {service?.slug} ·{' '}
        <strong data-testid="version-status">{t(`egov.designer.status.${version.status}`)}</strong>
      </p>
      {!editable && <Alert variant="info" title={t('egov.designer.readOnly')} />}
      {problem && (
        <Alert variant="danger" title={problem.message} role="alert">
          {problem.details.length > 0 && (
            <ul className="kern-list" data-testid="problem-details">
              {problem.details.map((d) => (
                <li key={d} className="kern-body">
                  {d}
                </li>
              ))}
            </ul>
          )}
        </Alert>
      )}
      {notice && (
        <p className="kern-body" role="status">
          {notice}
        </p>
      )}
      <div className="srp-designer-actions">
        {editable ? (
          <>
            <button
              type="button"
              className="kern-btn kern-btn--primary"
              disabled={busy}
              onClick={() => void save()}
            >
              <span className="kern-label">{t('egov.designer.save')}</span>
            </button>
            <button
              type="button"
              className="kern-btn kern-btn--secondary"
              disabled={busy || !testMunicipality}
              onClick={() => void testRun()}
            >
              <span className="kern-label">{t('egov.designer.testRun')}</span>
            </button>
            <button
              type="button"
              className="kern-btn kern-btn--secondary"
              disabled={busy}
              onClick={() => setConfirming(true)}
            >
              <span className="kern-label">{t('egov.designer.publish')}</span>
            </button>
          </>
        ) : (
          <button type="button" className="kern-btn kern-btn--secondary" onClick={() => void newDraft()}>
            <span className="kern-label">{t('egov.designer.newDraft')}</span>
          </button>
        )}
      </div>
      {confirming && (
        <ConfirmDialog
          title={t('egov.designer.confirmTitle')}
          confirm={t('egov.designer.publish')}
          cancel={t('egov.designer.cancel')}
          onConfirm={() => void publish()}
          onCancel={() => setConfirming(false)}
        >
          {t('egov.designer.confirmText')}
        </ConfirmDialog>
      )}
      <div role="tablist" aria-label={t('egov.designer.tabs')} className="srp-tabs">
        {TABS.map((id) => (
          <button
            key={id}
            ref={(element) => {
              tabRefs.current[id] = element;
            }}
            type="button"
            role="tab"
            id={`designer-tab-${id}`}
            aria-controls={`designer-panel-${id}`}
            aria-selected={tab === id}
            tabIndex={tab === id ? 0 : -1}
            className={tab === id ? 'kern-btn kern-btn--primary' : 'kern-btn kern-btn--tertiary'}
            onClick={() => setTab(id)}
            onKeyDown={onTabKey}
          >
            <span className="kern-label">{t(`egov.designer.tab.${id}`)}</span>
          </button>
        ))}
      </div>
      {/* Panels stay mounted so switching tabs keeps unsaved changes in the editors. */}
      <TabPanel id="form" hidden={tab !== 'form'}>
        <FormDesigner
          key={`form-${version.id}`}
          version={version}
          editable={editable}
          editorRef={formEditor}
        />
      </TabPanel>
      <TabPanel id="bpmn" hidden={tab !== 'bpmn'}>
        <BpmnDesigner
          key={`bpmn-${version.id}`}
          version={version}
          editable={editable}
          visible={tab === 'bpmn'}
          modelerRef={modeler}
        />
      </TabPanel>
      <TabPanel id="settings" hidden={tab !== 'settings'}>
        <SettingsPanel
          key={`settings-${version.id}`}
          version={version}
          editable={editable}
          valuesRef={settingsRef}
          feeRulesUnfinished={feeRulesUnfinished}
          feeProblems={feeProblems}
        />
      </TabPanel>
    </Page>
  );
}

function TabPanel({ id, hidden, children }: { id: Tab; hidden: boolean; children: ReactNode }) {
  return (
    <div
      role="tabpanel"
      id={`designer-panel-${id}`}
      aria-labelledby={`designer-tab-${id}`}
      hidden={hidden}
      tabIndex={0}
      className="kern-stack-sm srp-designer-panel"
    >
      {children}
    </div>
  );
}

/** A modal confirmation on the native <dialog>: focus is trapped and Escape cancels. */
function ConfirmDialog({
  title,
  confirm,
  cancel,
  onConfirm,
  onCancel,
  children,
}: {
  title: string;
  confirm: string;
  cancel: string;
  onConfirm: () => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    dialog?.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="kern-dialog"
      aria-labelledby="designer-confirm-title"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <header className="kern-dialog__header">
        <h2 id="designer-confirm-title" className="kern-title">
          {title}
        </h2>
      </header>
      <section className="kern-dialog__body">
        <p className="kern-body">{children}</p>
      </section>
      <footer className="kern-dialog__footer">
        <button type="button" className="kern-btn kern-btn--secondary" onClick={onCancel}>
          <span className="kern-label">{cancel}</span>
        </button>
        <button type="button" className="kern-btn kern-btn--primary" onClick={onConfirm}>
          <span className="kern-label">{confirm}</span>
        </button>
      </footer>
    </dialog>
  );
}

function FormDesigner({
  version,
  editable,
  editorRef,
}: {
  version: DesignVersion;
  editable: boolean;
  editorRef: RefObject<FormEditorLike | null>;
}) {
  const { t } = useTranslation();
  const container = useRef<HTMLDivElement>(null);
  const [preview, setPreview] = useState<Record<string, unknown> | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let cancelled = false;
    let editor: FormEditorLike | null = null;
    if (!editable) return;
    void (async () => {
      const [{ FormEditor }] = await Promise.all([
        import('@bpmn-io/form-js-editor'),
        import('@bpmn-io/form-js-viewer/dist/assets/form-js.css'),
        import('@bpmn-io/form-js-editor/dist/assets/form-js-editor.css'),
        import('@bpmn-io/form-js-editor/dist/assets/dragula.css'),
        import('@bpmn-io/form-js-editor/dist/assets/properties-panel.css'),
      ]);
      if (cancelled || !container.current) return;
      editor = new FormEditor({ container: container.current });
      await editor.importSchema({ type: 'default', ...version.formSchema });
      editorRef.current = editor;
      // The browser test adds a field through the editor's API (palette drags are flaky there).
      (window as unknown as { srpFormEditor?: FormEditorLike }).srpFormEditor = editor;
      setReady(true);
    })();
    return () => {
      cancelled = true;
      editor?.destroy();
      editorRef.current = null;
    };
  }, [version.id, editable]);

  const schema = editable ? preview : version.formSchema;
  return (
    <>
      {editable && (
        <>
          <p className="kern-body kern-body--small">{t('egov.designer.formHint')}</p>
          <div
            ref={container}
            className="srp-form-editor"
            data-testid="form-editor"
            aria-label={t('egov.designer.formEditor')}
            role="region"
            aria-busy={!ready}
          />
          <button
            type="button"
            className="kern-btn kern-btn--secondary"
            disabled={!ready}
            onClick={() => setPreview(editorRef.current?.saveSchema() ?? null)}
          >
            <span className="kern-label">{t('egov.designer.preview')}</span>
          </button>
        </>
      )}
      {schema && (
        <section aria-labelledby="designer-preview" className="kern-stack-xs">
          <h2 id="designer-preview" className="kern-heading-medium">
            {t('egov.designer.previewTitle')}
          </h2>
          <FormPreview schema={schema} />
        </section>
      )}
    </>
  );
}

/** The form as citizens see it (form-js viewer, as in the portal). */
function FormPreview({ schema }: { schema: Record<string, unknown> }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let form: { destroy(): void } | null = null;
    let cancelled = false;
    void (async () => {
      const [{ Form }] = await Promise.all([
        import('@bpmn-io/form-js-viewer'),
        import('@bpmn-io/form-js-viewer/dist/assets/form-js.css'),
      ]);
      if (cancelled || !container.current) return;
      const viewer = new Form({ container: container.current });
      form = viewer;
      await viewer.importSchema({ type: 'default', ...schema });
    })();
    return () => {
      cancelled = true;
      form?.destroy();
    };
  }, [schema]);
  return <div ref={container} className="srp-egov-form" data-testid="form-preview" />;
}

function BpmnDesigner({
  version,
  editable,
  visible,
  modelerRef,
}: {
  version: DesignVersion;
  editable: boolean;
  visible: boolean;
  modelerRef: RefObject<BpmnLike | null>;
}) {
  const { t } = useTranslation();
  const container = useRef<HTMLDivElement>(null);
  const diagram = useRef<BpmnLike | null>(null);
  useEffect(() => {
    // bpmn-js measures its container, which has no size while the panel is hidden: look again when shown.
    if (!visible || !diagram.current) return;
    const canvas = diagram.current.get<Canvas>('canvas');
    canvas.resized();
    canvas.zoom('fit-viewport');
  }, [visible]);
  const [selected, setSelected] = useState<BpmnElement | null>(null);
  const [serviceTasks, setServiceTasks] = useState<{ id: string; name: string; call: string }[]>([]);
  const [failed, setFailed] = useState<string | null>(null);

  const listServiceTasks = useCallback((instance: BpmnLike) => {
    const registry = instance.get<{ filter(fn: (e: BpmnElement) => boolean): BpmnElement[] }>(
      'elementRegistry',
    );
    setServiceTasks(
      registry
        .filter((e) => e.type === 'bpmn:ServiceTask')
        .map((e) => ({
          id: e.id,
          name: e.businessObject.name ?? e.id,
          call: e.businessObject.implementation ?? '',
        })),
    );
  }, []);

  useEffect(() => {
    let cancelled = false;
    let instance: BpmnLike | null = null;
    void (async () => {
      const [module] = await Promise.all([
        editable ? import('bpmn-js/lib/Modeler') : import('bpmn-js/lib/NavigatedViewer'),
        import('bpmn-js/dist/assets/diagram-js.css'),
        import('bpmn-js/dist/assets/bpmn-js.css'),
        import('bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css'),
      ]);
      if (cancelled || !container.current) return;
      const Diagram = module.default as unknown as new (options: { container: HTMLElement }) => BpmnLike;
      instance = new Diagram({ container: container.current });
      try {
        await instance.importXML(version.bpmnXml);
      } catch (error) {
        setFailed(error instanceof Error ? error.message : String(error));
        return;
      }
      diagram.current = instance;
      if (container.current.offsetWidth > 0) instance.get<Canvas>('canvas').zoom('fit-viewport');
      listServiceTasks(instance);
      if (editable) {
        modelerRef.current = instance;
        // Handy from the browser console (and for tests), like the form editor's.
        (window as unknown as { srpModeler?: BpmnLike }).srpModeler = instance;
        instance.on('selection.changed', (event) => setSelected(event.newSelection?.[0] ?? null));
        instance.on('commandStack.changed', () => listServiceTasks(instance!));
      }
    })();
    return () => {
      cancelled = true;
      instance?.destroy();
      diagram.current = null;
      if (editable) modelerRef.current = null;
    };
  }, [version.id, editable]);

  return (
    <>
      {failed && (
        <Alert variant="danger" title={t('egov.designer.bpmnBroken')}>
          {failed}
        </Alert>
      )}
      <p className="kern-body kern-body--small">
        {editable ? t('egov.designer.bpmnHint') : t('egov.designer.bpmnReadOnly')}
      </p>
      <div
        ref={container}
        className="srp-bpmn-canvas"
        data-testid="bpmn-canvas"
        role="region"
        aria-label={t('egov.designer.bpmnEditor')}
      />
      {editable && selected && modelerRef.current && (
        <ElementPanel
          key={selected.id}
          element={selected}
          modeling={modelerRef.current.get<Modeling>('modeling')}
          factory={modelerRef.current.get<{ create(type: string, attrs: Record<string, unknown>): unknown }>(
            'bpmnFactory',
          )}
        />
      )}
      <section aria-labelledby="designer-service-tasks" className="kern-stack-xs">
        <h2 id="designer-service-tasks" className="kern-heading-medium">
          {t('egov.designer.serviceTasks')}
        </h2>
        <div className="srp-table-scroll">
          <table className="kern-table" data-testid="service-tasks">
            <thead className="kern-table__head">
              <tr className="kern-table__row">
                <th className="kern-table__header" scope="col">
                  {t('egov.designer.task')}
                </th>
                <th className="kern-table__header" scope="col">
                  {t('egov.designer.call')}
                </th>
              </tr>
            </thead>
            <tbody className="kern-table__body">
              {serviceTasks.map((s) => (
                <tr key={s.id} className="kern-table__row">
                  <td className="kern-table__cell">{s.name}</td>
                  <td className="kern-table__cell">
                    <code>{s.call || '–'}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

/**
 * Name, service call, condition or timer duration of the selected element: the keyboard way to change
 * what matters.
 */
function ElementPanel({
  element,
  modeling,
  factory,
}: {
  element: BpmnElement;
  modeling: Modeling;
  factory: { create(type: string, attrs: Record<string, unknown>): unknown };
}) {
  const { t } = useTranslation();
  const bo = element.businessObject;
  const isServiceTask = element.type === 'bpmn:ServiceTask';
  const isCondition =
    element.type === 'bpmn:SequenceFlow' &&
    ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway'].includes(bo.sourceRef?.$type ?? '');
  const parsed = SERVICE_EXPRESSION.exec(bo.implementation ?? '');
  const [name, setName] = useState(bo.name ?? '');
  const [call, setCall] = useState<string>(parsed?.[1] ?? 'setStatus');
  const [argument, setArgument] = useState(parsed?.[2] ?? '');
  const [condition, setCondition] = useState(bo.conditionExpression?.body ?? '');
  // A timer event (a deadline on a task, a waiting time in the flow) waits for a duration.
  const timer = bo.eventDefinitions?.find((d) => d.$type === 'bpmn:TimerEventDefinition');
  const [duration, setDuration] = useState(timer?.timeDuration?.body ?? '');
  const [durationError, setDurationError] = useState<string | undefined>();

  function apply() {
    if (timer) {
      const body = duration.trim().toUpperCase();
      if (!ISO_DURATION.test(body)) {
        setDurationError(t('egov.designer.timerDurationInvalid'));
        document.getElementById('designer-timer')?.focus();
        return;
      }
      setDurationError(undefined);
      modeling.updateModdleProperties(element, timer, {
        timeDuration: factory.create('bpmn:FormalExpression', { body }),
        timeDate: undefined,
        timeCycle: undefined,
      });
    }
    const properties: Record<string, unknown> = { name };
    if (isServiceTask)
      properties.implementation = `\${environment.services.${call}${argument.trim() ? `("${argument.trim().replaceAll('"', '')}")` : ''}}`;
    if (isCondition)
      properties.conditionExpression = condition.trim()
        ? factory.create('bpmn:FormalExpression', { body: condition.trim() })
        : undefined;
    modeling.updateProperties(element, properties);
  }

  return (
    <section aria-labelledby="designer-element" className="kern-stack-xs srp-designer-element">
      <h2 id="designer-element" className="kern-heading-medium">
        {t('egov.designer.element', { id: bo.id })}
      </h2>
      <TextField
        id="designer-element-name"
        label={t('egov.designer.elementName')}
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      {isServiceTask && (
        <>
          <div className="kern-form-input">
            <label className="kern-label" htmlFor="designer-call">
              {t('egov.designer.call')}
            </label>
            <select
              id="designer-call"
              className="kern-form-input__select"
              value={call}
              onChange={(e) => setCall(e.target.value)}
            >
              {SERVICE_CALLS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
          <TextField
            id="designer-argument"
            label={t('egov.designer.argument')}
            value={argument}
            onChange={(e) => setArgument(e.target.value)}
          />
        </>
      )}
      {isCondition && (
        <TextField
          id="designer-condition"
          label={t('egov.designer.condition')}
          value={condition}
          placeholder='=decision = "approved"'
          onChange={(e) => setCondition(e.target.value)}
        />
      )}
      {timer && (
        <TextField
          id="designer-timer"
          label={t('egov.designer.timerDuration')}
          value={duration}
          error={durationError}
          placeholder="P3D"
          onChange={(e) => setDuration(e.target.value)}
        />
      )}
      <button type="button" className="kern-btn kern-btn--secondary" onClick={apply}>
        <span className="kern-label">{t('egov.designer.apply')}</span>
      </button>
    </section>
  );
}

interface SettingsValues {
  name: string;
  description: string;
  feeRules: DesignVersion['feeRules'];
  requiredDocuments: string[];
  allowAnonymous: boolean;
  retentionDays: number;
  processingDays: number;
}

function SettingsPanel({
  version,
  editable,
  valuesRef,
  feeRulesUnfinished,
  feeProblems,
}: {
  version: DesignVersion;
  editable: boolean;
  valuesRef: RefObject<SettingsValues | null>;
  feeRulesUnfinished: RefObject<boolean>;
  feeProblems: readonly FeeRuleProblem[];
}) {
  const { t } = useTranslation();
  const [values, setValues] = useState<SettingsValues>({
    name: version.name,
    description: version.description,
    feeRules: version.feeRules,
    requiredDocuments: version.requiredDocuments,
    allowAnonymous: version.allowAnonymous,
    retentionDays: version.retentionDays,
    processingDays: version.processingDays,
  });
  const [feeText, setFeeText] = useState(() => JSON.stringify(version.feeRules, null, 2));
  const [feeError, setFeeError] = useState<string | undefined>();
  // The JSON view and the form edit the same rules: a valid JSON edit rebuilds the form (new key), a
  // usable form rewrites the JSON, except right after a JSON edit (the cursor would jump).
  const [formKey, setFormKey] = useState(0);
  const fromJson = useRef(false);
  const onRulesChange = useCallback(
    (rules: FeeRule[] | null) => {
      feeRulesUnfinished.current = rules === null;
      if (!rules) return;
      setValues((v) => ({ ...v, feeRules: rules }));
      if (fromJson.current) fromJson.current = false;
      else setFeeText(JSON.stringify(rules, null, 2));
    },
    [feeRulesUnfinished],
  );
  const [documentsText, setDocumentsText] = useState(version.requiredDocuments.join('\n'));
  useEffect(() => {
    valuesRef.current = editable ? values : null;
  }, [values, editable, valuesRef]);
  const set = <K extends keyof SettingsValues>(key: K, value: SettingsValues[K]) =>
    setValues((v) => ({ ...v, [key]: value }));

  return (
    <fieldset className="kern-fieldset" disabled={!editable}>
      <legend className="kern-label">{t('egov.designer.tab.settings')}</legend>
      <div className="kern-stack-sm">
        <TextField
          id="designer-name"
          label={t('egov.designer.name')}
          value={values.name}
          onChange={(e) => set('name', e.target.value)}
        />
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="designer-description">
            {t('egov.designer.description')}
          </label>
          <textarea
            id="designer-description"
            className="kern-form-input__input"
            rows={3}
            value={values.description}
            onChange={(e) => set('description', e.target.value)}
          />
        </div>
        <fieldset className="kern-fieldset">
          <legend className="kern-label">{t('egov.designer.feeRules')}</legend>
          <FeeRulesEditor
            key={formKey}
            versionId={version.id}
            rules={values.feeRules}
            formSchema={version.formSchema}
            serverProblems={feeProblems}
            onChange={onRulesChange}
          />
        </fieldset>
        <details className="srp-fee-json">
          <summary className="kern-label">{t('egov.fees.jsonView')}</summary>
          <div className={feeError ? 'kern-form-input kern-form-input--error' : 'kern-form-input'}>
            <label className="kern-label" htmlFor="designer-fees">
              {t('egov.fees.jsonLabel')}
            </label>
            <p className="kern-hint" id="designer-fees-hint">
              {t('egov.designer.feeRulesHint')}
            </p>
            <textarea
              id="designer-fees"
              className="kern-form-input__input srp-code"
              rows={6}
              value={feeText}
              aria-describedby={feeError ? 'designer-fees-hint designer-fees-error' : 'designer-fees-hint'}
              aria-invalid={feeError ? true : undefined}
              onChange={(e) => {
                setFeeText(e.target.value);
                try {
                  const parsed = JSON.parse(e.target.value) as unknown;
                  if (!Array.isArray(parsed)) throw new Error('not a list');
                  set('feeRules', parsed as SettingsValues['feeRules']);
                  setFeeError(undefined);
                  fromJson.current = true;
                  setFormKey((k) => k + 1);
                } catch {
                  setFeeError(t('egov.designer.feeRulesInvalid'));
                }
              }}
            />
            {feeError && (
              <p className="kern-error" id="designer-fees-error">
                <span className="kern-icon kern-icon--danger" aria-hidden="true" />
                <span className="kern-body">{feeError}</span>
              </p>
            )}
          </div>
        </details>
        <div className="kern-form-input">
          <label className="kern-label" htmlFor="designer-documents">
            {t('egov.designer.documents')}
          </label>
          <textarea
            id="designer-documents"
            className="kern-form-input__input"
            rows={3}
            value={documentsText}
            onChange={(e) => {
              setDocumentsText(e.target.value);
              set(
                'requiredDocuments',
                e.target.value
                  .split('\n')
                  .map((line) => line.trim())
                  .filter(Boolean),
              );
            }}
          />
        </div>
        <CheckboxField
          id="designer-anonymous"
          label={t('egov.designer.anonymous')}
          checked={values.allowAnonymous}
          onChange={(checked) => set('allowAnonymous', checked)}
        />
        <TextField
          id="designer-retention"
          type="number"
          min={1}
          label={t('egov.designer.retentionDays')}
          value={String(values.retentionDays)}
          onChange={(e) => set('retentionDays', Number(e.target.value))}
        />
        <TextField
          id="designer-processing"
          type="number"
          min={1}
          label={t('egov.designer.processingDays')}
          value={String(values.processingDays)}
          onChange={(e) => set('processingDays', Number(e.target.value))}
        />
      </div>
    </fieldset>
  );
}
