package ecm.fiji;

/** A libecm error (or a refused argument) with its ecm_status code and ecm_errmsg() text. */
public class EcmException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  /** ecm_status numbers that the plugin reacts to (core/include/ecm/status.h). */
  public static final int EINVAL = 1, ENOMEM = 2, EUNSUPPORTED = 6, ECANCELED = 7, ENODATA = 8;
  /** Not a core code: the native library could not be loaded. */
  public static final int ENOLIB = -1;

  private final int code;

  public EcmException(int code, String message) {
    super(message);
    this.code = code;
  }

  /** The ecm_status code (0..12), or ENOLIB. */
  public int getCode() {
    return code;
  }

  public boolean isCancel() {
    return code == ECANCELED;
  }
}
