namespace KitaLink.Api.Audit;

public static class AuditSetup
{
    /// <summary>The audit trail: one per request scope, writing into that scope's DbContext.</summary>
    public static WebApplicationBuilder AddKitaLinkAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<AuditTrail>();
        return builder;
    }
}
