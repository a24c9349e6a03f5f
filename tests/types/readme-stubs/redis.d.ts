// Untyped stand-in for the type check of js-examples/readme/ (no @types/node here).
export const createClient: any;
