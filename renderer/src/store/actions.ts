import type { DliteApi } from '../../../electron/shared/api.js';
import type { AppPrefsPatch } from '../../../electron/shared/app-types.js';
import type { Result } from '../../../electron/shared/errors.js';
import type { VmStatus } from '../../../electron/shared/types.js';
import { copyText } from '../lib/clipboard.js';
import { buildDiagnostics } from '../lib/diagnostics.js';
import { reclaimMessage } from '../lib/resources.js';
import { patchOf, problemsOf } from '../lib/settings-form.js';
import { useAppStore } from './app-store.js';
import { draftPatchKey } from './settings-slice.js';

const store = () => useAppStore.getState();

/** Start, stop or restart; the answer (or its error) lands in the store. */
export async function vmAction(
  api: DliteApi,
  action: 'start' | 'stop' | 'restart',
): Promise<Result<VmStatus>> {
  store().setPending(action);
  store().setError(null);
  store().setNotice(null);
  const r = await api[action]();
  store().setPending(null);
  if (r.ok) store().setStatus(r.value);
  else if (r.error.code !== 'cancelled') store().setError(r.error);
  return r;
}

/** Puts the running VM to sleep now (docker.sock wakes it); a refusal lands in the store. */
export async function sleepNow(api: DliteApi): Promise<void> {
  store().setPending('sleep');
  store().setError(null);
  store().setNotice(null);
  const r = await api.sleep();
  store().setPending(null);
  if (r.ok) store().setStatus(r.value);
  else store().setError(r.error);
}

/**
 * Trims the VM's disk so the disk file gives its free space back; resolves with what came back,
 * in words (also kept as the window's notice), or the error's message.
 */
export async function reclaimDisk(api: DliteApi): Promise<{ ok: boolean; message: string }> {
  store().setPending('reclaim');
  store().setNotice(null);
  store().setError(null);
  const r = await api.reclaimDisk();
  store().setPending(null);
  const answer = r.ok
    ? { ok: true, message: reclaimMessage(r.value, store().host) }
    : { ok: false, message: r.error.message };
  if (r.ok) store().setNotice(answer.message);
  else store().setError(r.error);
  return answer;
}

export async function openTerminal(api: DliteApi): Promise<void> {
  store().setPending('terminal');
  const r = await api.openTerminal();
  store().setPending(null);
  store().setError(r.ok ? null : r.error);
}

export async function refreshHost(api: DliteApi): Promise<void> {
  const r = await api.hostInfo();
  if (r.ok) store().setHost(r.value);
}

/** First run: the install steps with progress; the popover then offers Start. */
export async function setUp(api: DliteApi): Promise<void> {
  store().setPending('setup');
  store().setError(null);
  const r = await api.install({});
  store().setProgress(null);
  store().setPending(null);
  if (!r.ok) {
    store().setError(r.error);
    return;
  }
  await refreshHost(api);
}

export async function retryService(api: DliteApi): Promise<void> {
  const r = await api.retryService();
  if (r.ok) store().setService(r.value);
}

/** "Copy diagnostics": the failure, the host and the last log lines; resolves whether it worked. */
export async function copyDiagnostics(api: DliteApi): Promise<boolean> {
  const { status, host, app } = store();
  if (status === null) return false;
  const log = await api.logs({ source: 'dlite', lines: 50 });
  return copyText(buildDiagnostics({ status, host, app, log: log.ok ? log.value : [], now: new Date() }));
}

/** Loads what the settings window shows: settings, host facts and app preferences. */
export async function loadSettingsWindow(api: DliteApi): Promise<void> {
  const [settings, host, app] = await Promise.all([api.getSettings(), api.hostInfo(), api.getAppInfo()]);
  if (settings.ok) store().loadSettings(settings.value);
  else store().setSettingsError(settings.error);
  if (host.ok) store().setHost(host.value);
  if (app.ok) store().setApp(app.value);
}

/** Asks the core about the current draft (nothing is saved); ignores answers for an older draft. */
export async function checkDraft(api: DliteApi): Promise<void> {
  const { saved, draft } = store();
  const key = draftPatchKey({ saved, draft });
  if (saved === null || draft === null || key === null) return;
  const r = await api.checkSettings(patchOf(saved, draft));
  if (draftPatchKey(store()) !== key) return;
  if (r.ok) store().setCheck(key, r.value);
  else store().setSettingsError(r.error);
}

/** Apply (and, when asked, restart the VM). Field errors from the core show inline. */
export async function applySettings(api: DliteApi, opts: { restart: boolean }): Promise<boolean> {
  const { saved, draft } = store();
  if (saved === null || draft === null) return false;
  store().setApplying(true);
  const r = await api.updateSettings(patchOf(saved, draft));
  if (!r.ok) {
    store().setApplying(false);
    store().setSettingsError(r.error);
    const key = draftPatchKey(store());
    if (key !== null) store().setCheck(key, { errors: problemsOf(r.error), restartRequired: [], live: [] });
    return false;
  }
  store().setApplied(r.value);
  store().setApplying(false);
  if (opts.restart) await vmAction(api, 'restart');
  return true;
}

export async function setAppPrefs(api: DliteApi, patch: AppPrefsPatch): Promise<void> {
  const r = await api.setAppPrefs(patch);
  if (r.ok) store().setApp(r.value);
  else store().setSettingsError(r.error);
}
