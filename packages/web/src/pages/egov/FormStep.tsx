// One step of an application, rendered by the form-js viewer. The viewer (and its CSS) is loaded only
// when a citizen opens a form, so the portal's start page stays light.
import { useEffect, useRef } from 'react';

export interface FormHandle {
  /** Validates the step; returns its data and the files picked in it, or null when there are errors. */
  collect(): { data: Record<string, unknown>; files: Map<string, File[]> } | null;
}

interface ViewerForm {
  importSchema(schema: unknown, data?: unknown): Promise<unknown>;
  submit(): { data: Record<string, unknown>; errors: Record<string, unknown>; files: Map<string, File[]> };
  destroy(): void;
}

export function FormStep({
  schema,
  data,
  onReady,
  language,
}: {
  schema: unknown;
  data: Record<string, unknown>;
  onReady: (handle: FormHandle) => void;
  language: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let form: ViewerForm | null = null;
    let cancelled = false;
    void (async () => {
      const [{ Form }] = await Promise.all([
        import('@bpmn-io/form-js-viewer'),
        import('@bpmn-io/form-js-viewer/dist/assets/form-js.css'),
      ]);
      if (cancelled || !container.current) return;
      form = new Form({ container: container.current });
      await form.importSchema(schema, data);
      container.current.querySelector<HTMLElement>('input, select, textarea')?.focus();
      onReady({
        collect: () => {
          const result = form!.submit();
          return Object.keys(result.errors).length > 0 ? null : { data: result.data, files: result.files };
        },
      });
    })();
    return () => {
      cancelled = true;
      form?.destroy();
    };
    // The form is rebuilt when the step (schema) changes; data changes come from this form itself.
  }, [schema, language]);
  return <div ref={container} className="srp-egov-form" />;
}
