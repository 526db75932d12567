# Parameter texts of the staging group (src/RedshiftIamra.PowerShell/RedshiftStagingCmdlet.cs), shared by the
# cmdlets that move data through S3. Included with Include = @('_RedshiftStaging').
@{
    Parameters = @{
        StagingBucket = 'The S3 bucket staged files go to (the stack''s staging bucket). The role of the connection''s Roles Anywhere session must be able to put, get, list and delete objects under -StagingPrefix. Overrides the connection''s Staging.Bucket.'
        StagingPrefix = 'The key prefix under the bucket (redshift-iamra/ by default); every run writes below a unique folder of it and deletes that folder afterwards.'
        CopyRoleArn   = 'The IAM role the cluster or workgroup assumes for COPY and UNLOAD (IAM_ROLE), or ''default'' for its default IAM role.'
        KmsKeyId      = 'A KMS key id, alias or ARN: staged objects are written with SSE-KMS under it (SSE-S3 otherwise).'
        S3EndpointUrl = 'An S3 endpoint other than AWS''s public one, such as an S3 interface endpoint''s DNS name.'
    }
}
