namespace KitaLink.Api.Audit;

/// <summary>Stable names of audit actions (they appear in the staff API).</summary>
public static class AuditActions
{
    public const string ChildCreated = "child.created";
    public const string ChildUpdated = "child.updated";
    public const string GuardianCreated = "guardian.created";
    public const string GuardianUpdated = "guardian.updated";
    public const string GuardianEmailChanged = "guardian.email_changed";
    public const string GuardianSuspectEmailConfirmed = "guardian.suspect_email_confirmed";
    public const string PinsCreated = "pins.created";
    public const string PinsRevoked = "pins.revoked";
    public const string PinsLetterDownloaded = "pins.letter_downloaded";
    public const string PinBatchCreated = "pins.batch_created";
    public const string PinBatchLettersDownloaded = "pins.batch_letters_downloaded";
    public const string Pin2Reissued = "pins.pin2_reissued";
    public const string Pin2Sent = "pins.pin2_sent";
    public const string Pin2Failed = "pins.pin2_failed";
    public const string Pin2Delivered = "pins.pin2_delivered";
    public const string Pin2Deferred = "pins.pin2_deferred";
    public const string Pin2Bounced = "pins.pin2_bounced";
    public const string PinsReminderQueued = "pins.reminder_queued";
    public const string PinsReminderFailed = "pins.reminder_failed";
    public const string PinsRedeemed = "pins.redeemed";
    public const string PinsAttemptFailed = "pins.attempt_failed";
    public const string PinsLocked = "pins.locked";
    public const string ChildLinked = "link.created";
    public const string ChildLinkArchived = "link.archived";
    public const string ChildUnlinked = "link.removed";
    public const string AccountCreated = "account.created";
    public const string AccountDeleted = "account.deleted";
    public const string LoginSucceeded = "auth.login_succeeded";
    public const string LoginFailed = "auth.login_failed";
    public const string LoginLockedOut = "auth.locked_out";
    public const string RefreshReuseDetected = "auth.refresh_reuse_detected";
    public const string TokenRefreshed = "auth.token_refreshed";
    public const string RefreshFailed = "auth.refresh_failed";
    public const string LoggedOut = "auth.logged_out";
    public const string PasswordChanged = "auth.password_changed";
    public const string PasswordResetRequested = "auth.password_reset_requested";
    public const string PasswordResetCompleted = "auth.password_reset_completed";
    public const string FacilityCreated = "facility.created";
    public const string FacilityContactUpdated = "facility.contact_updated";
    public const string StaffCreated = "staff.created";
    public const string StaffDeactivated = "staff.deactivated";
    public const string StaffReactivated = "staff.reactivated";
    public const string StaffSessionsEnded = "staff.sessions_ended";
    public const string AccountSessionsEnded = "account.sessions_ended";
    public const string GuardianExported = "guardian.exported";
    public const string WebhookCreated = "webhook.created";
    public const string WebhookUpdated = "webhook.updated";
    public const string WebhookDeleted = "webhook.deleted";
    public const string WebhookSecretRotated = "webhook.secret_rotated";
    public const string WebhookDeliveryReplayed = "webhook.delivery_replayed";
}
