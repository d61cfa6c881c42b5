package dev.kindling.data;

/**
 * A dataset's files are missing, malformed or could not be fetched. The message names the file, what
 * was found and what was expected, or, after a failed download, every source that was tried.
 */
public class DatasetException extends RuntimeException {
    public DatasetException(String message) { super(message); }

    public DatasetException(String message, Throwable cause) { super(message, cause); }
}
