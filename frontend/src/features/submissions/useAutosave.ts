// Autosave of a draft: a second and a half after the last keystroke, only the changed answers, with the
// version they build on (If-Match). Unsaved answers are also kept in this browser, so a closed tab or a dead
// battery loses nothing; a 412 (someone saved first) stops saving until the person chooses what to keep.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../../api/client";
import { ApiError, asApiError, toProblem } from "../../api/problem";
import type { Submission } from "../../api/types";
import { DraftBuffer, retryDelay, type SaveState, type Values } from "../../lib/draft";
import { submissionKeys } from "./api";

const DEBOUNCE_MS = 1500;
const storageKey = (id: string) => `edudx.draft.${id}`;

export interface Autosave {
  values: Values;
  state: SaveState;
  savedAt: Date | null;
  error: ApiError | null;
  restored: number;
  edit: (field: string, value: unknown) => void;
  saveNow: () => Promise<boolean>;
  resolveConflict: (keepMine: boolean) => Promise<void>;
  version: () => number;
}

export function useAutosave(submission: Submission): Autosave {
  const queryClient = useQueryClient();
  const id = submission.id;
  const buffer = useRef<DraftBuffer | null>(null);
  const [restored, setRestored] = useState(0);
  if (buffer.current === null) {
    buffer.current = new DraftBuffer(submission.version, submission.content as Values);
  }
  const [values, setValues] = useState<Values>(() => buffer.current!.view);
  const [state, setState] = useState<SaveState>("saved");
  const [savedAt, setSavedAt] = useState<Date | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const saving = useRef<Promise<boolean> | null>(null);
  const attempts = useRef(0);
  const blocked = useRef(false); // a conflict waits for the person

  const persist = useCallback(() => {
    const draft = buffer.current!;
    if (draft.dirty) localStorage.setItem(storageKey(id), JSON.stringify({ baseVersion: draft.baseVersion, values: draft.pendingValues }));
    else localStorage.removeItem(storageKey(id));
  }, [id]);

  const saveNow = useCallback(async (): Promise<boolean> => {
    clearTimeout(timer.current);
    if (saving.current) await saving.current;
    const draft = buffer.current!;
    if (!draft.dirty) return true;
    if (blocked.current) return false;
    const sent = draft.snapshot();
    setState("saving");
    const run = (async () => {
      let outcome;
      try {
        outcome = await api.PATCH("/api/submissions/submissions/{submission_id}", {
          params: { path: { submission_id: id }, header: { "if-match": `"${sent.baseVersion}"` } },
          body: { values: sent.values },
        });
      } catch (e) {
        outcome = { error: asApiError(e).problem, data: undefined, response: null };
      }
      if (outcome.data) {
        attempts.current = 0;
        draft.acknowledge(sent.mark, outcome.data.version, outcome.data.content as Values);
        queryClient.setQueryData(submissionKeys.detail(id), outcome.data);
        setValues(draft.view);
        setSavedAt(new Date());
        setError(null);
        persist();
        if (draft.dirty) {
          setState("unsaved");
          timer.current = setTimeout(() => void saveNow(), DEBOUNCE_MS);
        } else setState("saved");
        return true;
      }
      const status = outcome.response ? outcome.response.status : 0;
      const failure = new ApiError(toProblem(outcome.error, status));
      setError(failure);
      if (status === 412) {
        blocked.current = true;
        setState("conflict");
      } else if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        setState("invalid");
      } else {
        attempts.current += 1;
        setState("offline");
        timer.current = setTimeout(() => void saveNow(), retryDelay(attempts.current) * 1000);
      }
      return false;
    })();
    saving.current = run;
    try {
      return await run;
    } finally {
      saving.current = null;
    }
  }, [id, persist, queryClient]);

  const edit = useCallback(
    (field: string, value: unknown) => {
      buffer.current!.edit(field, value);
      setValues(buffer.current!.view);
      persist();
      if (!blocked.current) setState("unsaved");
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void saveNow(), DEBOUNCE_MS);
    },
    [persist, saveNow],
  );

  const resolveConflict = useCallback(
    async (keepMine: boolean) => {
      const { data } = await api.GET("/api/submissions/submissions/{submission_id}", { params: { path: { submission_id: id } } });
      if (!data) return;
      const draft = buffer.current!;
      if (keepMine) draft.rebase(data.version, data.content as Values);
      else draft.discard(data.version, data.content as Values);
      blocked.current = false;
      queryClient.setQueryData(submissionKeys.detail(id), data);
      setValues(draft.view);
      setError(null);
      persist();
      setState(draft.dirty ? "unsaved" : "saved");
      if (draft.dirty) await saveNow();
    },
    [id, persist, queryClient, saveNow],
  );

  // Answers left unsaved on this device last time (closed tab, no connection): put them back and save.
  useEffect(() => {
    const raw = localStorage.getItem(storageKey(id));
    if (!raw) return;
    try {
      const kept = JSON.parse(raw) as { baseVersion: number; values: Values };
      const count = Object.keys(kept.values).length;
      if (count === 0) return;
      const draft = buffer.current!;
      if (draft.dirty) return; // already restored (React runs effects twice in development)
      draft.restore(kept.values);
      // Built on an older version: the save answers 412 and the person decides, as with any conflict.
      draft.rebase(Math.min(kept.baseVersion, draft.baseVersion), draft.server);
      setValues(draft.view);
      setRestored(count);
      setState("unsaved");
      timer.current = setTimeout(() => void saveNow(), 300);
    } catch {
      localStorage.removeItem(storageKey(id));
    }
  }, [id, saveNow]);

  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (buffer.current?.dirty) event.preventDefault();
    };
    const online = () => {
      if (buffer.current?.dirty && !blocked.current) void saveNow();
    };
    window.addEventListener("beforeunload", warn);
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("beforeunload", warn);
      window.removeEventListener("online", online);
    };
  }, [saveNow]);

  // Leaving the page with answers pending: send them now (they are kept in the browser in any case).
  const latestSave = useRef(saveNow);
  latestSave.current = saveNow;
  useEffect(
    () => () => {
      clearTimeout(timer.current);
      if (buffer.current?.dirty && !blocked.current) void latestSave.current();
    },
    [],
  );

  const version = useCallback(() => buffer.current!.baseVersion, []);
  return { values, state, savedAt, error, restored, edit, saveNow, resolveConflict, version };
}
