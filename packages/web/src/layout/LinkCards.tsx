import { Link } from 'react-router';

export interface LinkCard {
  to: string;
  title: string;
  text?: string;
}

/** A grid of cards, each one link with a short explanation; used by the area landings. */
export function LinkCards({ cards }: { cards: readonly LinkCard[] }) {
  return (
    <ul className="srp-tiles">
      {cards.map((card) => (
        <li key={card.to} className="kern-card kern-card--small kern-card--interactive">
          <div className="kern-card__container">
            <div className="kern-card__header">
              <h2 className="kern-title">
                <Link to={card.to} className="kern-link kern-link--stretched">
                  {card.title}
                </Link>
              </h2>
            </div>
            {card.text && (
              <div className="kern-card__body">
                <p className="kern-body">{card.text}</p>
              </div>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}
