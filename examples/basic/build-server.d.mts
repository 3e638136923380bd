import type { BuildOptions } from 'esbuild';

/** How the server is bundled (see build-server.mjs). */
export declare const serverBuild: BuildOptions;
