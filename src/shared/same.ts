/**
 * `true` when `A` and `B` are the same type: for compile-time agreement checks between two
 * things that must name the same members, e.g. `const check: Same<A, B> = true`.
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
