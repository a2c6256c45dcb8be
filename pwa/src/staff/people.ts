// Who can be given a fix on a site. Admins and managers list the people they see
// (GET /api/users). A safety officer may not list people, but sees each of their
// sites' daily board, which names every crew member there: those are the people a
// fix goes to on that site.

import type { Answer } from "../api";
import { call, todayIn, type Site } from "./common";
import { currentRole } from "./routes";

export interface Person {
  id: string;
  name: string;
}

const cache = new Map<string, Promise<Person[]>>();

function cached(key: string, load: () => Promise<Person[]>): Promise<Person[]> {
  let people = cache.get(key);
  if (!people) {
    people = load().then(
      (list) => list.sort((a, b) => a.name.localeCompare(b.name)),
      (error: unknown) => {
        cache.delete(key);
        throw error;
      },
    );
    cache.set(key, people);
  }
  return people;
}

export function assignablePeople(site: Site): Promise<Person[]> {
  const role = currentRole();
  if (role === "admin" || role === "manager") {
    return cached("users", async () => {
      const page = await call<Answer<"/api/users">>("/api/users?limit=500");
      return page.items.filter((u) => u.is_active).map((u) => ({ id: u.id, name: u.name }));
    });
  }
  return cached(`site:${site.id}`, async () => {
    const query = new URLSearchParams({ site_id: site.id, date: todayIn(site.timezone) });
    const board = await call<Answer<"/api/attendance/daily">>(`/api/attendance/daily?${query}`);
    return board.rows.map((r) => ({ id: r.user_id, name: r.name }));
  });
}
