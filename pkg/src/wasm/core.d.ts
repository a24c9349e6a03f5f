/* tslint:disable */
/* eslint-disable */

/**
 * A failure as the JS layer receives it.
 */
export class ErrorParts {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    code: string;
    hint: string;
    message: string;
    get path(): string | undefined;
    set path(value: string | null | undefined);
    /**
     * A stable refinement of `code`, e.g. `too_old` / `in_future` for `timestamp_outside_window`.
     */
    get reason(): string | undefined;
    /**
     * A stable refinement of `code`, e.g. `too_old` / `in_future` for `timestamp_outside_window`.
     */
    set reason(value: string | null | undefined);
}

/**
 * Keys, limits and window of one `Webhook`.
 */
export class WasmVerifier {
    private constructor();
    free(): void;
    [Symbol.dispose](): void;
    add_secret_bytes(secret: Uint8Array | number[]): void;
    add_secret_text(secret: string): void;
    body_limit(): number;
    check_body_size(size: number): void;
    /**
     * Call once after the secrets are added.
     */
    check_ready(): void;
    /**
     * `undefined` options take their defaults.
     */
    static new(max_body_bytes?: number | null, tolerance_seconds?: number | null): WasmVerifier;
    sign_bytes(body: Uint8Array | number[]): string;
    sign_text(body: string): string;
    signature_matches_bytes(body: Uint8Array | number[], signature: string): boolean;
    signature_matches_text(body: string, signature: string): boolean;
    verify_bytes(body: Uint8Array | number[], signature: string | null | undefined, now_millis: number): number;
    /**
     * Returns the index of the matching secret.
     */
    verify_text(body: string, signature: string | null | undefined, now_millis: number): number;
}

export function canonicalize_bytes(bytes: Uint8Array | number[]): string;

export function canonicalize_text(text: string): string;

export function check_event_bytes(bytes: Uint8Array | number[]): void;

/**
 * Validates a payload; the JS layer parses it with its own JSON.parse.
 */
export function check_event_text(text: string): void;

/**
 * Describes a failure the JS layer detected, from the same table.
 */
export function describe_error(code: string, detail: string): ErrorParts;

export function generate_secret(): string;

/**
 * The change event as JSON text, or `undefined` when nothing changed.
 */
export function issue_change_event(before_json: string, after_json: string, user_id: string | null | undefined, timestamp: string): string | undefined;

/**
 * Bytes of linear memory the instance holds now: for soak scripts, which
 * check that it stays flat. Not part of the package's public API.
 */
export function memory_bytes(): number;

/**
 * `{"ok":true,"config":{...}}` or `{"ok":false,"problems":[...]}` as JSON text.
 */
export function validate_webhook_config(json: string): string;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_errorparts_free: (a: number, b: number) => void;
    readonly __wbg_get_errorparts_code: (a: number) => [number, number];
    readonly __wbg_get_errorparts_hint: (a: number) => [number, number];
    readonly __wbg_get_errorparts_message: (a: number) => [number, number];
    readonly __wbg_get_errorparts_path: (a: number) => [number, number];
    readonly __wbg_get_errorparts_reason: (a: number) => [number, number];
    readonly __wbg_set_errorparts_code: (a: number, b: number, c: number) => void;
    readonly __wbg_set_errorparts_hint: (a: number, b: number, c: number) => void;
    readonly __wbg_set_errorparts_message: (a: number, b: number, c: number) => void;
    readonly __wbg_set_errorparts_path: (a: number, b: number, c: number) => void;
    readonly __wbg_set_errorparts_reason: (a: number, b: number, c: number) => void;
    readonly __wbg_wasmverifier_free: (a: number, b: number) => void;
    readonly canonicalize_bytes: (a: number, b: number) => [number, number, number, number];
    readonly canonicalize_text: (a: number, b: number) => [number, number, number, number];
    readonly check_event_bytes: (a: number, b: number) => [number, number];
    readonly check_event_text: (a: number, b: number) => [number, number];
    readonly describe_error: (a: number, b: number, c: number, d: number) => number;
    readonly generate_secret: () => [number, number, number, number];
    readonly issue_change_event: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => [number, number, number, number];
    readonly memory_bytes: () => number;
    readonly validate_webhook_config: (a: number, b: number) => [number, number, number, number];
    readonly wasmverifier_add_secret_bytes: (a: number, b: number, c: number) => [number, number];
    readonly wasmverifier_add_secret_text: (a: number, b: number, c: number) => [number, number];
    readonly wasmverifier_body_limit: (a: number) => number;
    readonly wasmverifier_check_body_size: (a: number, b: number) => [number, number];
    readonly wasmverifier_check_ready: (a: number) => [number, number];
    readonly wasmverifier_new: (a: number, b: number, c: number, d: number) => [number, number, number];
    readonly wasmverifier_sign_bytes: (a: number, b: number, c: number) => [number, number, number, number];
    readonly wasmverifier_sign_text: (a: number, b: number, c: number) => [number, number, number, number];
    readonly wasmverifier_signature_matches_bytes: (a: number, b: number, c: number, d: number, e: number) => number;
    readonly wasmverifier_signature_matches_text: (a: number, b: number, c: number, d: number, e: number) => number;
    readonly wasmverifier_verify_bytes: (a: number, b: number, c: number, d: number, e: number, f: number) => [number, number, number];
    readonly wasmverifier_verify_text: (a: number, b: number, c: number, d: number, e: number, f: number) => [number, number, number];
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
