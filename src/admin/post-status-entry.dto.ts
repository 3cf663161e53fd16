import { ApiProperty, ApiPropertyOptional } from './openapi.decorators';
import { STATUS_LEVELS } from '../entry/status-level';
import type { StatusLevel } from '../entry/status-level';

/**
 * The body of `POST /status`: an entry in wire form, without `seq` and `ts`. Describes the body
 * in the OpenAPI document; the controller checks it by hand (see `readPostBody`).
 */
export class PostStatusEntryDto {
  @ApiProperty({ example: 'exec', description: 'Who is posting' })
  agent_id!: string;

  @ApiProperty({ example: 'search_google', description: 'What happened' })
  action!: string;

  @ApiProperty({ enum: STATUS_LEVELS, example: 'ok' })
  status!: StatusLevel;

  @ApiPropertyOptional({ example: 'Found 7 results', default: '' })
  detail?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { results: 7 } })
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({
    example: 'room-7',
    description: "The conversation; default: the module's defaultRoomId",
  })
  room_id?: string;
}

/** An entry as the API returns it (the wire form). */
export class StatusEntryResponseDto extends PostStatusEntryDto {
  @ApiProperty({ example: 42, description: 'Position in the global log' })
  seq!: number;

  @ApiProperty({ example: '2026-11-24T06:39:28.979041+00:00' })
  ts!: string;

  @ApiProperty({ example: '' })
  declare detail: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: {} })
  declare metadata: Record<string, unknown>;

  @ApiProperty({ example: 'default' })
  declare room_id: string;
}

/** One agent's latest entry in a room, as `GET /status/snapshot` returns it. */
export class AgentSnapshotDto {
  @ApiProperty({ example: 'exec' })
  agent_id!: string;

  @ApiProperty({ example: 'default' })
  room_id!: string;

  @ApiProperty({ enum: STATUS_LEVELS, example: 'ok' })
  status!: StatusLevel;

  @ApiProperty({ example: 'click_result' })
  action!: string;

  @ApiProperty({ example: 'Clicked the RoomKit link' })
  detail!: string;

  @ApiProperty({ example: '2026-11-24T06:39:28.979041+00:00' })
  since!: string;

  @ApiProperty({ example: 42 })
  seq!: number;
}
