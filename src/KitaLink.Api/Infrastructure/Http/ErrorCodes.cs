namespace KitaLink.Api.Infrastructure.Http;

/// <summary>The stable <c>code</c> values of problem details. Part of the API contract.</summary>
public static class ErrorCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string InvalidCredentials = "invalid_credentials";
    public const string Unauthenticated = "unauthenticated";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string AccountExists = "account_exists";
    public const string ChildAlreadyLinked = "child_already_linked";
    public const string PreviousChildStillActive = "previous_child_still_active";
    public const string PinsAlreadyUsed = "pins_already_used";
    public const string PinsExpired = "pins_expired";
    public const string PinsInvalid = "pins_invalid";
    public const string EmailMismatch = "email_mismatch";
    public const string PinsLocked = "pins_locked";
    public const string RateLimited = "rate_limited";
    public const string EmailSuspect = "email_suspect";
    public const string ResetTokenInvalid = "reset_token_invalid";
    public const string Conflict = "conflict";
    public const string LastActiveAdmin = "last_active_admin";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string NotAcceptable = "not_acceptable";
    public const string ServiceUnavailable = "service_unavailable";
    public const string InternalError = "internal_error";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string RequestInProgress = "request_in_progress";
    public const string PreconditionFailed = "precondition_failed";
    public const string MfaRequired = "mfa_required";
    public const string MfaEnrolmentRequired = "mfa_enrolment_required";
    public const string MfaCodeInvalid = "mfa_code_invalid";
    public const string MfaAlreadyEnabled = "mfa_already_enabled";
    public const string MfaNotEnabled = "mfa_not_enabled";
}
