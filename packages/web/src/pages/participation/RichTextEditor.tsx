// The rich-text editor of the back office (TipTap on ProseMirror). It lives only in the staff news chunk,
// so public pages never load it. The toolbar follows the ARIA toolbar pattern: one tab stop, arrow keys
// move between the buttons, every button has a visible label and states its pressed state.
import Image from '@tiptap/extension-image';
import { EditorContent, useEditor, useEditorState, type Editor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { TextField } from '../../layout/forms.js';

interface Props {
  id: string;
  label: string;
  initialHtml: string;
  onChange: (html: string) => void;
  /** Uploads an image with its alternative text and answers its URL in our file storage. */
  uploadImage: (file: File, alt: string) => Promise<string | null>;
}

type Action =
  'bold' | 'italic' | 'h2' | 'h3' | 'bulletList' | 'orderedList' | 'blockquote' | 'link' | 'undo' | 'redo';
const ACTIONS: Action[] = [
  'bold',
  'italic',
  'h2',
  'h3',
  'bulletList',
  'orderedList',
  'blockquote',
  'link',
  'undo',
  'redo',
];

function isActive(editor: Editor, action: Action): boolean | undefined {
  switch (action) {
    case 'h2':
      return editor.isActive('heading', { level: 2 });
    case 'h3':
      return editor.isActive('heading', { level: 3 });
    case 'undo':
    case 'redo':
      return undefined;
    default:
      return editor.isActive(action);
  }
}

function run(editor: Editor, action: Action, href: string) {
  const chain = editor.chain().focus();
  switch (action) {
    case 'bold':
      return chain.toggleBold().run();
    case 'italic':
      return chain.toggleItalic().run();
    case 'h2':
      return chain.toggleHeading({ level: 2 }).run();
    case 'h3':
      return chain.toggleHeading({ level: 3 }).run();
    case 'bulletList':
      return chain.toggleBulletList().run();
    case 'orderedList':
      return chain.toggleOrderedList().run();
    case 'blockquote':
      return chain.toggleBlockquote().run();
    case 'link':
      return href
        ? chain.extendMarkRange('link').setLink({ href }).run()
        : chain.extendMarkRange('link').unsetLink().run();
    case 'undo':
      return chain.undo().run();
    case 'redo':
      return chain.redo().run();
  }
}

export default function RichTextEditor({ id, label, initialHtml, onChange, uploadImage }: Props) {
  const { t } = useTranslation();
  const [focusIndex, setFocusIndex] = useState(0);
  const [linkOpen, setLinkOpen] = useState(false);
  const [href, setHref] = useState('');
  const [alt, setAlt] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [imageError, setImageError] = useState<string | null>(null);
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);

  const editor = useEditor({
    extensions: [
      StarterKit.configure({
        heading: { levels: [2, 3] },
        link: { openOnClick: false, autolink: true, protocols: ['https', 'http', 'mailto', 'tel'] },
        code: false,
        codeBlock: false,
      }),
      Image.configure({ inline: false }),
    ],
    content: initialHtml,
    editorProps: {
      attributes: {
        id,
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-labelledby': `${id}-label`,
        class: 'kern-form-input__input srp-richtext__content',
      },
    },
    onUpdate: ({ editor: e }) => onChange(e.getHTML()),
  });
  const active = useEditorState({
    editor,
    selector: ({ editor: e }) =>
      Object.fromEntries(ACTIONS.map((a) => [a, e ? isActive(e, a) : undefined])) as Record<
        Action,
        boolean | undefined
      >,
  });

  function onToolbarKey(event: KeyboardEvent) {
    const last = ACTIONS.length - 1;
    const next =
      event.key === 'ArrowRight'
        ? (focusIndex + 1) % ACTIONS.length
        : event.key === 'ArrowLeft'
          ? (focusIndex + last) % ACTIONS.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? last
              : null;
    if (next === null) return;
    event.preventDefault();
    setFocusIndex(next);
    buttons.current[next]?.focus();
  }

  function press(action: Action) {
    if (!editor) return;
    if (action === 'link') {
      setHref((editor.getAttributes('link').href as string | undefined) ?? '');
      setLinkOpen(true);
      return;
    }
    run(editor, action, '');
  }

  async function insertImage() {
    if (!editor || !file) return;
    if (!alt.trim()) return setImageError(t('participation.staff.editor.altRequired'));
    const src = await uploadImage(file, alt.trim());
    if (!src) return;
    editor.chain().focus().setImage({ src, alt: alt.trim() }).run();
    setAlt('');
    setFile(null);
    setImageError(null);
  }

  return (
    <div className="kern-form-input srp-richtext">
      <span className="kern-label" id={`${id}-label`}>
        {label}
      </span>
      <div
        role="toolbar"
        aria-label={t('participation.staff.editor.toolbar')}
        aria-controls={id}
        className="srp-richtext__toolbar"
        onKeyDown={onToolbarKey}
      >
        {ACTIONS.map((action, index) => (
          <button
            key={action}
            ref={(el) => {
              buttons.current[index] = el;
            }}
            type="button"
            tabIndex={index === focusIndex ? 0 : -1}
            className="kern-btn kern-btn--tertiary kern-btn--small"
            aria-pressed={active?.[action]}
            onFocus={() => setFocusIndex(index)}
            onClick={() => press(action)}
          >
            <span className="kern-label">{t(`participation.staff.editor.${action}`)}</span>
          </button>
        ))}
      </div>
      {linkOpen && editor && (
        <div className="srp-richtext__row">
          <TextField
            id={`${id}-href`}
            type="url"
            label={t('participation.staff.editor.href')}
            value={href}
            onChange={(e) => setHref(e.target.value)}
          />
          <button
            type="button"
            className="kern-btn kern-btn--secondary"
            onClick={() => {
              run(editor, 'link', href.trim());
              setLinkOpen(false);
            }}
          >
            <span className="kern-label">{t('participation.staff.editor.setLink')}</span>
          </button>
        </div>
      )}
      <EditorContent editor={editor} />
      <fieldset className="kern-fieldset srp-richtext__image">
        <legend className="kern-label">{t('participation.staff.image')}</legend>
        <div className="kern-form-input">
          <label className="kern-label" htmlFor={`${id}-image`}>
            {t('participation.staff.editor.imageFile')}
          </label>
          <input
            id={`${id}-image`}
            type="file"
            accept="image/jpeg,image/png"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </div>
        <TextField
          id={`${id}-alt`}
          label={t('participation.staff.editor.alt')}
          value={alt}
          maxLength={500}
          onChange={(e) => setAlt(e.target.value)}
        />
        {imageError && (
          <p className="kern-body" role="alert">
            {imageError}
          </p>
        )}
        <button
          type="button"
          className="kern-btn kern-btn--secondary"
          disabled={!file}
          onClick={() => void insertImage()}
        >
          <span className="kern-label">{t('participation.staff.editor.insertImage')}</span>
        </button>
      </fieldset>
    </div>
  );
}
