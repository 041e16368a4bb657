import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { anonymousApi as anonymous } from "../../api/anonymous";
import { ApiError, asApiError, toProblem } from "../../api/problem";
import { authKeys, meQueryOptions } from "./api";
import type { Me } from "./roles";
import { forgetSessionEnd, onSessionChange, sessionExpired, signOut, startSession, tokens } from "./session";

interface AuthValue {
  signedIn: boolean;
  me: Me | undefined;
  loadingMe: boolean;
  meError: ApiError | null;
  /** Why the person was signed out without asking (an expired session), to say so on the login page. */
  expired: boolean;
  login: (email: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
}


const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [signedIn, setSignedIn] = useState(() => tokens() !== null);
  // Told by the session itself (a refused refresh), not guessed from what was loaded: clearing the cache on
  // sign-out used to erase the clue before the login page could read it.
  const [expired, setExpired] = useState(sessionExpired);

  useEffect(
    () =>
      onSessionChange((now) => {
        setSignedIn(now);
        if (!now) {
          setExpired(sessionExpired());
          queryClient.clear();
        }
      }),
    [queryClient],
  );

  const meQuery = useQuery({ ...meQueryOptions, enabled: signedIn });

  const login = useCallback(
    async (email: string, password: string) => {
      let outcome;
      try {
        outcome = await anonymous.POST("/api/identity/auth/login", { body: { email, password } });
      } catch (error) {
        throw asApiError(error);
      }
      if (!outcome.data) throw new ApiError(toProblem(outcome.error, outcome.response.status));
      setExpired(false);
      forgetSessionEnd();
      startSession(outcome.data);
      await queryClient.invalidateQueries({ queryKey: authKeys.me() });
    },
    [queryClient],
  );

  const logout = useCallback(async () => {
    const refresh = tokens()?.refresh;
    signOut(); // tokens and unsaved drafts leave the browser with the person
    if (refresh) await anonymous.POST("/api/identity/auth/logout", { body: { refresh_token: refresh } }).catch(() => undefined);
  }, []);

  const value = useMemo<AuthValue>(
    () => ({
      signedIn,
      me: signedIn ? meQuery.data : undefined,
      loadingMe: signedIn && meQuery.isPending,
      meError: meQuery.error ? asApiError(meQuery.error) : null,
      expired,
      login,
      logout,
    }),
    [signedIn, meQuery.data, meQuery.isPending, meQuery.error, expired, login, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}

/** The signed-in person (only inside the signed-in shell, where it is loaded). */
export function useMe(): Me {
  const { me } = useAuth();
  if (!me) throw new Error("useMe before the profile is loaded");
  return me;
}
