/** HDAG descriptors: intake in every body form, strict validation, intent translation (see README.md). */
export * from './artifact';
export * from './artifact-errors';
export { ARTIFACT_REF_SCHEMES, checkArtifactRef, MAX_REF_LENGTH, refRegExp } from './artifact-ref';
export type { ArtifactRef, RefRules, RefScheme, RefVerdict } from './artifact-ref';
export * from './intake';
export * from './limits';
export { isUtf8Charset, JSON_MEDIA_TYPE, mediaTypeOf, YAML_MEDIA_TYPES } from './media-type';
export * from './problem';
export * from './resources-injection';
export * from './submission';
export * from './translate';
export { findStructureProblem } from './tree-check';
export * from './types';
export * from './validate';
export * from './hdag-schema';
