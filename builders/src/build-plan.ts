import type { BuildStageKind, CodeService } from '@paas/core';

export interface PlanOptions {
  app: string;
  /** Does the pushed tree hold this file? POSIX path relative to the tree root. */
  files: (relPath: string) => boolean;
  /** An operator CA bundle will be added to the context (PAAS_BUILD_CA_FILE). */
  caFile: boolean;
  /** `paas push --strict`: what would be a warning in the build fails it. */
  strict?: boolean;
  /** Labels of the image, written as one LABEL line at the end (one build step, not one per label). */
  labels?: Record<string, string>;
}

export interface BuildPlan {
  /** Generated Dockerfile text; empty when `appDockerfile` is set. */
  dockerfile: string;
  /** Generated files added to the context, keyed by context path (e.g. paas/supervisord.conf). */
  files: Record<string, string>;
  /**
   * `custom` with `dockerfile`: build the app's own Dockerfile. The context is
   * the approot (`contextDir`, relative to the tree) and `path` is relative to it.
   */
  appDockerfile?: { contextDir: string; path: string };
  /**
   * The Dockerfile instruction that copies the pushed code: every layer from
   * it onwards depends on the code. Unset for the app's own Dockerfile.
   */
  codeStep?: string;
  /** Dockerfile instruction → the spec key it runs (`www.postbuild`), so a failing hook is named. */
  hookSteps?: Record<string, string>;
  /**
   * What the steps that matter do, keyed by their Dockerfile instruction:
   * the push output shows one line per stage instead of the engine's steps,
   * and a failure names the spec path or manifest behind the step. Steps not
   * listed are quick bookkeeping (ENV, USER, LABEL…). Unset for the app's own
   * Dockerfile, whose RUN and COPY steps are shown as they are.
   */
  steps?: Record<string, StepInfo>;
}

export interface StepInfo {
  kind: BuildStageKind;
  /** "Installing system packages (nodejs)"; consecutive steps with the same title are one stage. */
  title: string;
  /** For an apt step: each package with the spec path that asked for it (`www.systempackages[2]`, `www.type`). */
  packages?: { name: string; path: string }[];
  /** For a dependency step: the manifests it installs from, relative to the approot. */
  manifests?: string[];
}

/** What a type contributes to the Dockerfile; the order is planBuild's business. */
export interface PlanContext {
  service: CodeService;
  app: string;
  /** Is this file in the approot? Path relative to the approot. */
  hasInApproot: (relPath: string) => boolean;
  strict: boolean;
}

export interface DependencyStep {
  /** Manifests copied before the code, relative to the approot. */
  manifests: string[];
  /** Dockerfile lines that install from them (as app in ~/current, unless they switch USER and back). */
  run: string[];
  /** Generated files those lines COPY, keyed by context path (outside paas/). */
  files?: Record<string, string>;
}

export interface TypeBuilder {
  /** Debian packages the runtime needs (the supervisor is added by planBuild). */
  runtimePackages(ctx: PlanContext): string[];
  /** Directories put in front of PATH (pip --user, node_modules/.bin). */
  pathDirs(ctx: PlanContext): string[];
  dependencies(ctx: PlanContext): DependencyStep;
  /** Generated files for the default process, keyed by context path. */
  files(ctx: PlanContext): Record<string, string>;
  /** The command run when the spec names neither `process` nor `processes`. */
  defaultProcess(ctx: PlanContext): string;
  /** Build steps after the code is in (custom's buildscript). */
  afterCode?(ctx: PlanContext): string[];
  /**
   * Variables every instance of the type gets (the spec's and the app's
   * override them), so that what it prints reaches `paas logs` at once.
   */
  instanceEnv?: Record<string, string>;
  /** Replaces the generated Dockerfile entirely (custom's `dockerfile`). */
  ownPlan?(ctx: PlanContext): BuildPlan | undefined;
}
