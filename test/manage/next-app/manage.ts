/** The one handler the framework test mounts on Express, Hono and this Next route tree. */
import { setup } from '../fixture.ts';

export const app = setup();
