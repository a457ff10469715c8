// JSON API of meeting rooms: list, create and delete (club admins), guest links, and what the meeting
// page needs to join. The meeting itself runs over the signalling socket (meetings.signalling.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { AppContext } from '../../context.js';
import { actorOf } from '../../core/audit/audit.service.js';
import { requirePrincipal, type Principal } from '../../core/auth/principal.js';
import type { MeetingRoom } from '../../core/db/schema.js';
import { Errors } from '../../core/errors.js';
import { errorResponses } from '../../core/http/schemas.js';
import { meetingsPolicy } from './meetings.policy.js';
import { SIGNALLING_PATH, type MeetingHub } from './meetings.signalling.js';

const RoomView = Type.Object({
  id: Type.String(),
  clubId: Type.String(),
  name: Type.String(),
  waitingRoom: Type.Boolean(),
  guestLink: Type.Boolean(),
  participants: Type.Integer(),
  url: Type.String(),
  createdAt: Type.String(),
});
const ClubParams = Type.Object({ clubId: Type.String({ format: 'uuid' }) });
const RoomParams = Type.Object({
  clubId: Type.String({ format: 'uuid' }),
  roomId: Type.String({ format: 'uuid' }),
});

export function meetingsRoutes(ctx: AppContext, hub: MeetingHub): FastifyPluginAsyncTypebox {
  const present = (room: MeetingRoom) => ({
    id: room.id,
    clubId: room.club_id,
    name: room.name,
    waitingRoom: room.waiting_room,
    guestLink: room.guest_token_hash !== null,
    participants: hub.occupancy(room.id),
    url: ctx.meetings.pageUrl(room),
    createdAt: room.created_at.toISOString(),
  });

  /** The club with the caller's membership; a club one is not a member of is not found. */
  async function memberClub(principal: Principal, clubId: string) {
    const club = await ctx.clubs.get(clubId);
    const membership = await ctx.clubs.membership(club.id, principal.userId);
    if (!meetingsPolicy.mayList(club, membership)) throw Errors.notFound('Club');
    return { club, membership };
  }

  async function managedRoom(principal: Principal, clubId: string, roomId: string) {
    const { club, membership } = await memberClub(principal, clubId);
    if (!meetingsPolicy.mayManageRooms(club, membership)) throw Errors.forbidden();
    return ctx.meetings.get(club, roomId);
  }

  return async (app) => {
    app.get(
      '/api/clubs/:clubId/meetings',
      {
        schema: {
          tags: ['cloud'],
          summary: "A club's meeting rooms with the number of people in each (club members)",
          params: ClubParams,
          response: {
            200: Type.Object({
              rooms: Type.Array(RoomView),
              mayManage: Type.Boolean(),
              maxParticipants: Type.Integer(),
            }),
            ...errorResponses(401, 404),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership } = await memberClub(principal, request.params.clubId);
        const rooms = await ctx.meetings.list(club);
        return {
          rooms: rooms.map(present),
          mayManage: meetingsPolicy.mayManageRooms(club, membership),
          maxParticipants: ctx.config.MEETING_MAX_PARTICIPANTS,
        };
      },
    );

    app.post(
      '/api/clubs/:clubId/meetings',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Create a meeting room (club admins)',
          params: ClubParams,
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 120, pattern: '\\S' }),
              waitingRoom: Type.Boolean({ default: false }),
            },
            { additionalProperties: false },
          ),
          response: { 201: RoomView, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { club, membership } = await memberClub(principal, request.params.clubId);
        if (!meetingsPolicy.mayManageRooms(club, membership)) throw Errors.forbidden();
        const room = await ctx.meetings.create(
          club,
          { name: request.body.name.trim(), waitingRoom: request.body.waitingRoom },
          actorOf(principal, request),
        );
        return reply.status(201).send(present(room));
      },
    );

    app.delete(
      '/api/clubs/:clubId/meetings/:roomId',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Delete a meeting room; people in it are disconnected (club admins)',
          params: RoomParams,
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const room = await managedRoom(principal, request.params.clubId, request.params.roomId);
        await ctx.meetings.remove(room, actorOf(principal, request));
        hub.closeRoom(room.id);
        return reply.status(204).send(null);
      },
    );

    app.put(
      '/api/clubs/:clubId/meetings/:roomId/guest-link',
      {
        schema: {
          tags: ['cloud'],
          summary: 'A new guest link for the room (shown once; the previous one stops working)',
          params: RoomParams,
          response: {
            200: Type.Object({ url: Type.String(), token: Type.String() }),
            ...errorResponses(401, 403, 404),
          },
        },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const room = await managedRoom(principal, request.params.clubId, request.params.roomId);
        return ctx.meetings.createGuestLink(room, actorOf(principal, request));
      },
    );

    app.delete(
      '/api/clubs/:clubId/meetings/:roomId/guest-link',
      {
        schema: {
          tags: ['cloud'],
          summary: 'Revoke the guest link of the room',
          params: RoomParams,
          response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const room = await managedRoom(principal, request.params.clubId, request.params.roomId);
        await ctx.meetings.revokeGuestLink(room, actorOf(principal, request));
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/meetings/:roomId',
      {
        schema: {
          tags: ['cloud'],
          summary: 'What the meeting page needs to join a room (club members, or guests with the link token)',
          params: Type.Object({ roomId: Type.String({ format: 'uuid' }) }),
          querystring: Type.Object({ gast: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }),
          response: {
            200: Type.Object({
              id: Type.String(),
              name: Type.String(),
              clubName: Type.String(),
              guest: Type.Boolean(),
              host: Type.Boolean(),
              maxParticipants: Type.Integer(),
              participants: Type.Integer(),
              signallingPath: Type.String(),
            }),
            ...errorResponses(401, 404),
          },
        },
      },
      async (request) => {
        const { roomId } = request.params;
        const token = request.query.gast;
        let room: MeetingRoom | undefined;
        let host = false;
        if (token) {
          room = await ctx.meetings.forGuest(roomId, token);
        } else {
          const principal = requirePrincipal(request.principal);
          room = await ctx.meetings.byId(roomId);
          if (room) {
            const { membership } = await memberClub(principal, room.club_id);
            host = meetingsPolicy.isHost(room, principal.userId, membership);
          }
        }
        const club = room ? await ctx.clubs.get(room.club_id) : null;
        if (!room || !club || club.status !== 'active') throw Errors.notFound('Meeting room');
        return {
          id: room.id,
          name: room.name,
          clubName: club.name,
          guest: Boolean(token),
          host,
          maxParticipants: ctx.config.MEETING_MAX_PARTICIPANTS,
          participants: hub.occupancy(room.id),
          signallingPath: SIGNALLING_PATH,
        };
      },
    );
  };
}
