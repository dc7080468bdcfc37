import * as path from 'path';
import {
  AssetManifestBuilder,
  Aws,
  CfnParameter,
  DefaultStackSynthesizer,
  Fn,
  FileAssetPackaging,
  Lazy,
  Stack,
  StackSynthesizer,
  type DockerImageAssetLocation,
  type DockerImageAssetSource,
  type FileAssetLocation,
  type FileAssetSource,
  type ISynthesisSession,
  type SynthesizeStackArtifactOptions,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Logical ID of the member template's parameter naming the account that owns the asset buckets. */
export const ASSET_BUCKET_ACCOUNT_PARAMETER = 'AssetBucketAccount';

// cdk-assets replaces these with the publishing credentials' account and the deploying stack's region.
const PUBLISHING_ACCOUNT = '${AWS::AccountId}';
const PUBLISHING_REGION = '${AWS::Region}';

/** Names the bucket that holds a region's copy of the member template's file assets. */
export type AssetBucketNamer = (account: string, region: string) => string;

/**
 * The default synthesizer, plus the asset manifests of the StackSet member templates the stack holds: the stack's
 * artifact depends on them, so that `cdk deploy` publishes the members' files before it deploys the stack.
 */
export class StackSetParentSynthesizer extends DefaultStackSynthesizer {
  private readonly memberAssetManifests: string[] = [];

  /** Makes the stack's artifact depend on a member's asset manifest artifact. */
  addMemberAssetManifest(artifactId: string): void {
    this.memberAssetManifests.push(artifactId);
  }

  protected override emitArtifact(
    session: ISynthesisSession,
    options: SynthesizeStackArtifactOptions = {},
  ): void {
    super.emitArtifact(session, {
      ...options,
      additionalDependencies: [...(options.additionalDependencies ?? []), ...this.memberAssetManifests],
    });
  }
}

/** Where a StackSet member template's file assets go. */
export interface StackSetMemberSynthesizerProps {
  /** The parent stack, whose synthesizer uploads the member template and publishes the member's assets. */
  readonly parent: Stack;
  /** Regions the StackSet deploys to, each with its own asset bucket; empty for the parent stack's own region. */
  readonly regions: readonly string[];
  /** Names the asset bucket of an account in a region. */
  readonly assetBucketName: AssetBucketNamer;
}

/**
 * Synthesizes a stack into a StackSet template instead of a deployable stack: the template becomes a file asset of
 * the parent stack, and every file asset of the member (Lambda code) is published to one bucket per target region,
 * which the member template reads in whatever account and region it is deployed to.
 *
 * CDK's own asset buckets cannot serve a StackSet: each is private to one account and region, and member accounts
 * are not bootstrapped at all.
 */
export class StackSetMemberSynthesizer extends StackSynthesizer {
  private readonly assets = new AssetManifestBuilder();
  private templateUrl?: string;

  constructor(private readonly props: StackSetMemberSynthesizerProps) {
    super();
    if (!(props.parent.synthesizer instanceof StackSetParentSynthesizer)) {
      throw new Error(
        `StackSet members need their parent stack ${props.parent.node.path} to use StackSetParentSynthesizer, ` +
          'so that cdk deploy publishes their assets',
      );
    }
  }

  /** The URL of the member template once synthesized (a token before then). */
  get stackSetTemplateUrl(): string {
    // Uncached: the parent's template is resolved after this member is synthesized, and must see the final URL.
    return Lazy.uncachedString({ produce: () => this.templateUrl });
  }

  override addFileAsset(asset: FileAssetSource): FileAssetLocation {
    if (asset.fileName === undefined || asset.packaging === undefined) {
      throw new Error(
        `StackSet members take only file assets built at synth time, not ${JSON.stringify(asset)}`,
      );
    }
    const extension =
      asset.packaging === FileAssetPackaging.ZIP_DIRECTORY ? '.zip' : path.extname(asset.fileName);
    const objectKey = `${asset.sourceHash}${extension}`;
    const source = { path: asset.fileName, packaging: asset.packaging };
    const regions = this.props.regions.length > 0 ? this.props.regions : [undefined];
    for (const region of regions) {
      this.assets.addFileAsset(
        this.boundStack,
        asset.sourceHash,
        source,
        {
          bucketName: this.props.assetBucketName(PUBLISHING_ACCOUNT, region ?? PUBLISHING_REGION),
          objectKey,
          ...(region !== undefined && { region }),
        },
        { displayName: `${asset.displayName ?? asset.sourceHash} for StackSet members` },
      );
    }

    // In the member template: the bucket of the region the stack instance is deployed to.
    const bucketName = this.props.assetBucketName(Fn.ref(ASSET_BUCKET_ACCOUNT_PARAMETER), Aws.REGION);
    return {
      bucketName,
      objectKey,
      httpUrl: `https://s3.${Aws.REGION}.${Aws.URL_SUFFIX}/${bucketName}/${objectKey}`,
      s3ObjectUrl: `s3://${bucketName}/${objectKey}`,
    };
  }

  override addDockerImageAsset(asset: DockerImageAssetSource): DockerImageAssetLocation {
    throw new Error(
      `StackSet members cannot use container images (${asset.sourceHash}): no registry is shared across accounts`,
    );
  }

  override synthesize(session: ISynthesisSession): void {
    const template = this.synthesizeTemplate(session);
    this.templateUrl = this.props.parent.synthesizer.addFileAsset(template).httpUrl;
    if (this.assets.hasAssets) {
      const manifest = this.assets.emitManifest(this.boundStack, session);
      (this.props.parent.synthesizer as StackSetParentSynthesizer).addMemberAssetManifest(manifest);
    }
  }
}

/** What a StackSet member stack needs to know. */
export interface StackSetMemberStackProps {
  /** Regions the StackSet deploys to; empty for the parent stack's own region. */
  readonly regions: readonly string[];
  /** Names the asset bucket of an account in a region. */
  readonly assetBucketName: AssetBucketNamer;
  /** The member template's description. */
  readonly description: string;
  /**
   * Stack name as the member's constructs see it (`Stack.of(this).stackName`), e.g. in alarm names; CloudFormation
   * names each stack instance itself.
   */
  readonly stackName: string;
}

/**
 * A stack that is never deployed on its own: it is synthesized as the template of a StackSet held by the stack it
 * is defined in, with the account owning its asset buckets as the `AssetBucketAccount` parameter.
 */
export class StackSetMemberStack extends Stack {
  /** The parameter the StackSet sets to the account that owns the asset buckets. */
  readonly assetBucketAccount: CfnParameter;
  private readonly memberSynthesizer: StackSetMemberSynthesizer;

  constructor(scope: Construct, id: string, props: StackSetMemberStackProps) {
    const synthesizer = new StackSetMemberSynthesizer({
      parent: Stack.of(scope),
      regions: props.regions,
      assetBucketName: props.assetBucketName,
    });
    super(scope, id, { synthesizer, description: props.description, stackName: props.stackName });
    this.memberSynthesizer = synthesizer;
    this.assetBucketAccount = new CfnParameter(this, ASSET_BUCKET_ACCOUNT_PARAMETER, {
      type: 'String',
      allowedPattern: '\\d{12}',
      description: "The account whose asset buckets hold this template's Lambda code, one bucket per region",
    });
  }

  /** The S3 URL of this stack's template, for the StackSet's TemplateURL. */
  get templateUrl(): string {
    return this.memberSynthesizer.stackSetTemplateUrl;
  }
}
