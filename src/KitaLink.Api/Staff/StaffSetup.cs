namespace KitaLink.Api.Staff;

public static class StaffSetup
{
    /// <summary>Services of the staff account lifecycle (deactivation, reactivation, ending sessions).</summary>
    public static WebApplicationBuilder AddKitaLinkStaff(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<StaffLifecycle>();
        return builder;
    }
}
