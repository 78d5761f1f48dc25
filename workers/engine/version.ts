/**
 * The rule set's version. Bump it whenever a control's verdict can change for the same input,
 * so stored results say which rules produced them and re-evaluation knows what is out of date.
 */
export const ENGINE_VERSION = '1.0.0';
