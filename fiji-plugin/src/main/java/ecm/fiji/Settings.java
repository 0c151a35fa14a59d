package ecm.fiji;

import ij.Macro;
import ij.Prefs;

/**
 * Remembered dialog settings of one command, kept in ImageJ's preferences (IJ_Prefs.txt, so
 * they survive a restart) under "ecm.&lt;command&gt;.&lt;key&gt;". They only seed interactive
 * dialogs: when the command runs from a macro, every missing key takes its built-in default,
 * so that a recorded macro line means the same thing on every machine.
 */
final class Settings {
  private final String prefix;
  private final boolean fromMacro;

  Settings(String command) {
    this.prefix = "ecm." + command + ".";
    this.fromMacro = Macro.getOptions() != null;
  }

  /** True when the command runs from a macro (remembered values are then ignored). */
  boolean macro() {
    return fromMacro;
  }

  double get(String key, double def) {
    return fromMacro ? def : Prefs.get(prefix + key, def);
  }

  boolean get(String key, boolean def) {
    return fromMacro ? def : Prefs.get(prefix + key, def);
  }

  String get(String key, String def) {
    return fromMacro ? def : Prefs.get(prefix + key, def);
  }

  /** Remember a value (interactive runs only; a macro never changes the user's settings). */
  void set(String key, double v) {
    if (!fromMacro) Prefs.set(prefix + key, v);
  }

  void set(String key, boolean v) {
    if (!fromMacro) Prefs.set(prefix + key, v);
  }

  void set(String key, String v) {
    if (!fromMacro) Prefs.set(prefix + key, v);
  }
}
