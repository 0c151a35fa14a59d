package ecm.fiji;

/** Progress of a native run; called on the thread that called into the native library. */
public interface Progress {
  /** @return true to cancel the run (the native call then throws with code ECANCELED). */
  boolean update(double fraction, String stage);
}
