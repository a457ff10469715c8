/* global self, URL -- a service worker runs in its own global scope */
// Service worker of the Smart Region Platform: shows public warnings pushed by the platform (Web Push,
// subscribed on /warnungen) and opens the warnings page when the notification is clicked.
self.addEventListener('push', (event) => {
  let message = { title: 'Warnung', body: '', url: '/warnungen' };
  try {
    message = { ...message, ...event.data.json() };
  } catch {
    if (event.data) message.body = event.data.text();
  }
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body,
      tag: message.tag,
      icon: '/favicon.svg',
      data: { url: message.url },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url ?? '/warnungen', self.location.origin).href;
  event.waitUntil(self.clients.openWindow(url));
});
