import CUTF8Proc

/// Versions recorded in model bundles and printed by `sparsetext --version`.
public enum SparseTextVersion {
  /// The library's semantic version.
  public static let library = "0.1.0"

  /// The version of the utf8proc library this build is linked against.
  package static var utf8proc: String { String(cString: utf8proc_version()) }

  /// The Unicode version of utf8proc's character tables.
  package static var unicode: String { String(cString: utf8proc_unicode_version()) }
}
