export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'gan-workbench-theme';

/** Light, dark, or the system's choice; remembered per browser profile. */
export class ThemeState {
  choice = $state<ThemeChoice>('system');
  systemDark = $state(false);
  resolved = $derived<'light' | 'dark'>(this.choice === 'system' ? (this.systemDark ? 'dark' : 'light') : this.choice);

  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null, systemDark: boolean) {
    const saved = storage?.getItem(KEY);
    if (saved === 'light' || saved === 'dark' || saved === 'system') this.choice = saved;
    this.systemDark = systemDark;
  }

  /** system → light → dark → system. */
  cycle(): void {
    this.choice = this.choice === 'system' ? 'light' : this.choice === 'light' ? 'dark' : 'system';
    this.storage?.setItem(KEY, this.choice);
  }
}
