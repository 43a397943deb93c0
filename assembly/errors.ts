// Error kinds the core answers with. Every exported operation returns OK (0)
// or one of these negative codes; the host maps them to exceptions
// (host/_core.ts). The core never throws for bad input.

/** The operation succeeded. */
// @ts-ignore: decorator
@inline export const OK: i32 = 0;
/** The handle's index is outside the table or names slot 0. */
// @ts-ignore: decorator
@inline export const E_BAD_HANDLE: i32 = -1;
/** The handle's generation is not the slot's: the slot was freed (and maybe reused). */
// @ts-ignore: decorator
@inline export const E_STALE_HANDLE: i32 = -2;
/** The slot's state does not allow this transition (see slots.ts). */
// @ts-ignore: decorator
@inline export const E_ILLEGAL_TRANSITION: i32 = -3;
/** The operation does not apply to this kind of slot (task vs callback). */
// @ts-ignore: decorator
@inline export const E_WRONG_KIND: i32 = -4;
/** The table holds MAX_SLOTS live slots already. */
// @ts-ignore: decorator
@inline export const E_TABLE_FULL: i32 = -5;
/** A command in the inbox had an unknown opcode. */
// @ts-ignore: decorator
@inline export const E_BAD_COMMAND: i32 = -6;
/** A deadline was NaN. */
// @ts-ignore: decorator
@inline export const E_BAD_DEADLINE: i32 = -7;
