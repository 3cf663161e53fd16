/** The room of entries that name none, unless the module's `defaultRoomId` says otherwise. */
export const DEFAULT_ROOM_ID = 'default';
