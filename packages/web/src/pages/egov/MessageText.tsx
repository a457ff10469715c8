// A mailbox message as text in which web addresses are links: a pay link sent by the caseworker opens with
// one click or tap instead of being copied. Only http(s) addresses become links; everything stays text
// that React escapes.
const ADDRESS = /(https?:\/\/[^\s<>"]+)/;
/** Punctuation that ends a sentence rather than the address ("… unter https://x.example/a."). */
const TRAILING = /[.,;:!?)]+$/;

export type MessagePart = { text: string } | { link: string };

/** The message cut into text and addresses, in order. */
export function messageParts(message: string): MessagePart[] {
  const parts: MessagePart[] = [];
  message.split(ADDRESS).forEach((piece, i) => {
    if (i % 2 === 0) {
      if (piece) parts.push({ text: piece });
      return;
    }
    const trailing = TRAILING.exec(piece)?.[0] ?? '';
    parts.push({ link: piece.slice(0, piece.length - trailing.length) });
    if (trailing) parts.push({ text: trailing });
  });
  return parts;
}

export function MessageText({ text }: { text: string }) {
  return messageParts(text).map((part, i) =>
    'link' in part ? (
      <a key={i} className="kern-link" href={part.link}>
        {part.link}
      </a>
    ) : (
      <span key={i}>{part.text}</span>
    ),
  );
}
