using KitaLink.Api.Accounts;
using KitaLink.Api.Mfa;
using KitaLink.Api.Staff;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class MfaRecoveryCodeConfiguration : IEntityTypeConfiguration<MfaRecoveryCode>
{
    public void Configure(EntityTypeBuilder<MfaRecoveryCode> builder)
    {
        builder.ToTable("mfa_recovery_codes", t => t.HasCheckConstraint("ck_mfa_recovery_codes_one_owner",
            "(parent_account_id IS NULL) <> (staff_member_id IS NULL)"));
        builder.Property(c => c.CodeHash).HasMaxLength(32);
        builder.HasIndex(c => c.CodeHash).IsUnique();
        builder.HasIndex(c => c.ParentAccountId);
        builder.HasIndex(c => c.StaffMemberId);
        builder.HasOne<ParentAccount>().WithMany().HasForeignKey(c => c.ParentAccountId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<StaffMember>().WithMany().HasForeignKey(c => c.StaffMemberId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class MfaChallengeConfiguration : IEntityTypeConfiguration<MfaChallenge>
{
    public void Configure(EntityTypeBuilder<MfaChallenge> builder)
    {
        builder.ToTable("mfa_challenges", t => t.HasCheckConstraint("ck_mfa_challenges_one_owner",
            "(parent_account_id IS NULL) <> (staff_member_id IS NULL)"));
        builder.Property(c => c.TokenHash).HasMaxLength(32);
        builder.HasIndex(c => c.TokenHash).IsUnique();
        builder.HasIndex(c => c.ParentAccountId);
        builder.HasIndex(c => c.StaffMemberId);
        builder.HasOne<ParentAccount>().WithMany().HasForeignKey(c => c.ParentAccountId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<StaffMember>().WithMany().HasForeignKey(c => c.StaffMemberId).OnDelete(DeleteBehavior.Cascade);
    }
}
