// A browser without a window for end-to-end tests of redirect flows (single sign-on): fetch with manual
// redirects and one cookie jar per origin, so each site only ever sees its own cookies.
export class CookieBrowser {
  readonly #jars = new Map<string, Map<string, string>>();

  cookies(origin: string): Map<string, string> {
    let jar = this.#jars.get(origin);
    if (!jar) this.#jars.set(origin, (jar = new Map<string, string>()));
    return jar;
  }

  async get(url: string | URL): Promise<Response> {
    const target = new URL(url);
    const jar = this.cookies(target.origin);
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(target, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of response.headers.getSetCookie()) this.#store(jar, line);
    return response;
  }

  /**
   * Follows redirects from `url` until the next location satisfies `stop`, and returns that location
   * without visiting it. Fails when a page answers without redirecting.
   */
  async followUntil(url: string | URL, stop: (location: URL) => boolean, maxHops = 15): Promise<URL> {
    let current = new URL(url);
    for (let hop = 0; hop < maxHops; hop++) {
      const response = await this.get(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) {
        throw new Error(
          `${current.href} answered ${response.status}: ${(await response.text()).slice(0, 500)}`,
        );
      }
      await response.body?.cancel();
      const next = new URL(location, current);
      if (stop(next)) return next;
      current = next;
    }
    throw new Error(`more than ${maxHops} redirects from ${String(url)}`);
  }

  #store(jar: Map<string, string>, line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((a) => {
      const [key = '', v = ''] = a.split('=').map((s) => s.trim());
      if (key.toLowerCase() === 'max-age') return Number(v) <= 0;
      if (key.toLowerCase() === 'expires') return new Date(v).getTime() <= Date.now();
      return false;
    });
    if (expired || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}
