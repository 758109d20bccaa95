/**
 * Where the test servers are and whether they must be there. Integration tests may skip only when
 * neither `CI` nor `CUTOVER_REQUIRE_SERVICES` is set; `.ci/run` sets the latter.
 */
export const POSTGRES_ADMIN_URL = process.env.CUTOVER_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_ADMIN_URL = process.env.CUTOVER_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

export function servicesRequired(): boolean {
  const flag = (name: string) => {
    const value = process.env[name];
    return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
  };
  return flag('CI') || flag('CUTOVER_REQUIRE_SERVICES');
}

export interface ServiceAvailability {
  readonly postgres: boolean;
  readonly mysql: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceAvailability;
  }
}
