import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { STATUS_BUS_MIGRATIONS, STATUS_BUS_MIGRATIONS_TABLE } from './index';

/**
 * The data source of the TypeORM CLI (`npm run migration:run`, `npm run migration:revert`),
 * pointed at `DATABASE_URL`.
 */
export default new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  migrations: STATUS_BUS_MIGRATIONS,
  migrationsTableName: STATUS_BUS_MIGRATIONS_TABLE,
});
