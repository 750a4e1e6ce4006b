/**
 * A change SMO asks NFVCL for, recorded before NFVCL is called (the intent), and what came of it.
 * Stream `nfvclcall-<call id>`, one per request (the call id follows from the request's command
 * id, so a retried request, on whichever SMO instance, finds its call). The NFVCL calls processor
 * makes the call once per intent and records the outcome; the route waits for it. Nothing here may
 * hold a secret: a VIM registration, whose request carries the VIM password, is not made this way.
 */
import { eventGuard } from '../event-schema';

export type NfvclOperation =
  | {
      kind: 'create-k8s';
      smoId: string;
      popArea: number;
      vimId: number;
      vimName: string;
      mgmtNetwork: string;
      serviceNetwork: string;
      workerReplicas: number;
      /** The blueprint request NFVCL is sent (no secret in it). */
      nfvclRequest: unknown;
    }
  | { kind: 'delete-k8s'; smoId: string; blueprintId: string | null }
  | { kind: 'scale-out-k8s'; smoId: string; blueprintId: string; addedWorkers: number; nfvclRequest: unknown }
  | { kind: 'delete-vim'; vimId: number; name: string };

/** Why the call led to no change: NFVCL's failure, or SMO's rules refusing the outcome. */
export type NfvclCallFailureKind = 'unreachable' | 'timeout' | 'refused' | 'invalid-answer' | 'not-found' | 'conflict';

export interface NfvclCallRequested {
  type: 'NfvclCallRequested';
  data: { callId: string; operation: NfvclOperation };
}

export interface NfvclCallAnswered {
  type: 'NfvclCallAnswered';
  data: {
    callId: string;
    /** NFVCL's answer, scrubbed of secrets (null when NFVCL no longer knew the object). */
    nfvclResponse: unknown;
    /** The task NFVCL started, if any. */
    taskId: string | null;
  };
}

export interface NfvclCallFailed {
  type: 'NfvclCallFailed';
  data: {
    callId: string;
    kind: NfvclCallFailureKind;
    status: number | null;
    detail: string;
    /**
     * A cluster creation NFVCL may have made all the same (its answer was lost): the blueprints asked for as it was that
     * NFVCL had before it was sent, none of them its own. Absent for every other failure (and in older events).
     */
    lostCreate?: { blueprintsBefore: string[] };
  };
}

export type NfvclCallEvent = NfvclCallRequested | NfvclCallAnswered | NfvclCallFailed;

export const NFVCL_CALL_EVENT_TYPES: Record<NfvclCallEvent['type'], true> = {
  NfvclCallRequested: true,
  NfvclCallAnswered: true,
  NfvclCallFailed: true,
};
export const isNfvclCallEvent = eventGuard<NfvclCallEvent>(NFVCL_CALL_EVENT_TYPES);

export const NFVCL_CALL_CATEGORY = 'nfvclcall';

export function nfvclCallStream(callId: string): string {
  return `${NFVCL_CALL_CATEGORY}-${callId}`;
}
