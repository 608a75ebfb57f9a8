import type { SeedLine } from './advisor-rule.js';

/**
 * The seed lines the advisor's rules implement, quoted from the Azure Well-Architected
 * Framework: the service guide for Azure Machine Learning (MicrosoftDocs/well-architected,
 * well-architected/service-guides/azure-machine-learning.md) and the pillars' design review
 * checklists (well-architected/<pillar>/checklist.md). Static and live rules cite them by name.
 */

const serviceGuide = {
  document: 'Architecture best practices for Azure Machine Learning (Azure Well-Architected Framework)',
  url: 'https://learn.microsoft.com/azure/well-architected/service-guides/azure-machine-learning',
} as const;

const checklist = (pillar: string, path: string) =>
  ({
    document: `Design review checklist for ${pillar}`,
    url: `https://learn.microsoft.com/azure/well-architected/${path}/checklist`,
  }) as const;

const line = (document: { document: string; url: string }, section: string, text: string, code?: string): SeedLine => ({
  ...document,
  section,
  line: text,
  ...(code === undefined ? {} : { code }),
});

const reliabilityChecklist = 'Reliability › Workload design checklist';
const reliabilityConfiguration = 'Reliability › Configuration recommendations';
const securityChecklist = 'Security › Workload design checklist';
const securityConfiguration = 'Security › Configuration recommendations';
const costChecklist = 'Cost Optimization › Workload design checklist';
const costConfiguration = 'Cost Optimization › Configuration recommendations';
const operationsChecklist = 'Operational Excellence › Workload design checklist';
const performanceChecklist = 'Performance Efficiency › Workload design checklist';
const performanceConfiguration = 'Performance Efficiency › Configuration recommendations';

export const seedLines = {
  // Reliability
  redundancy: line(
    checklist('Reliability', 'reliability'),
    'Checklist',
    'Add redundancy at different levels, especially for critical flows, to help meet your reliability targets. Consider redundant infrastructure components such as compute and network, and multiple instances of your solution.',
    'RE:05',
  ),
  sufficientCompute: line(
    serviceGuide,
    reliabilityChecklist,
    'Resiliency: Ensure you have sufficient compute for both training and inferencing. Through resource planning, make sure your compute SKU and scale settings meet the requirements of your workload.',
    'RE:06',
  ),
  selfHealing: line(
    serviceGuide,
    reliabilityChecklist,
    'Recovery: Ensure you have self-healing capabilities, such as checkpointing features supported by Machine Learning, when training large models.',
    'RE:07',
  ),
  multiRegion: line(
    serviceGuide,
    reliabilityChecklist,
    "Resiliency: Deploy models to environments that support availability zones, such as AKS. By ensuring deployments are distributed across availability zones, you're ensuring a deployment is available even in the event of a datacenter failure. For enhanced reliability and availability, consider a multi-region deployment topology.",
    'RE:05',
  ),
  dedicatedTier: line(
    serviceGuide,
    reliabilityConfiguration,
    "Use the Dedicated virtual machine tier for compute clusters: Use the Dedicated virtual machine tier for compute clusters for batch inferencing to ensure your batch job isn't preempted.",
    'RE:05',
  ),

  // Security
  restrictWorkspaceNetwork: line(
    serviceGuide,
    securityChecklist,
    'Availability: Reduce the attack surface of the Machine Learning workspace by restricting access to the workspace to resources within the virtual network.',
    'SE:06',
  ),
  preventExfiltration: line(
    serviceGuide,
    securityChecklist,
    "Confidentiality: Guard against data exfiltration from the Machine Learning workspace by implementing network isolation. Ensure access to all external resources is explicitly approved and access to all other external resources isn't permitted.",
    'SE:06',
  ),
  leastPrivilegeAccess: line(
    serviceGuide,
    securityChecklist,
    'Integrity: Implement access controls that authenticate and authorize the Machine Learning workspace for external resources based on the least privilege principle.',
    'SE:05',
  ),
  approvedModelRegistries: line(
    serviceGuide,
    securityChecklist,
    'Integrity: Regulate access to foundational models. Ensure only approved registries have access to models in the model registry.',
    'SE:02',
  ),
  trustedPackages: line(
    serviceGuide,
    securityChecklist,
    'Integrity: Regulate the Python packages that can be run on Machine Learning compute. Regulating the Python packages ensures only trusted packages are run.',
    'SE:02',
  ),
  encryption: line(
    serviceGuide,
    securityChecklist,
    'Integrity: Establish trust and verified access by implementing encryption for data at rest and data in transit.',
    'SE:07',
  ),
  identityBasedAccess: line(
    checklist('Security', 'security'),
    'Checklist',
    "Implement strict, conditional, and auditable identity and access management (IAM) across all workload users, team members, and system components. Limit access exclusively to as necessary. Use modern industry standards for all authentication and authorization implementations. Restrict and rigorously audit access that's not based on identity.",
    'SE:05',
  ),
  computeInVirtualNetwork: line(serviceGuide, 'Security › Advisor', 'Compute should be in a virtual network.', 'SE:06'),
  disableLocalAuth: line(
    serviceGuide,
    securityConfiguration,
    'Disable local authentication: Disable local authentication for Machine Learning compute clusters and instances.',
    'SE:05',
  ),
  closePublicSsh: line(
    serviceGuide,
    securityConfiguration,
    'Disable the public SSH port: Ensure the public Secure Shell (SSH) port is closed on the Machine Learning compute cluster by setting remoteLoginPortPublicAccess to Disabled. Apply a similar configuration if you use a different compute.',
    'SE:08',
  ),
  noPublicIp: line(
    serviceGuide,
    securityConfiguration,
    "Don't provision public IP addresses for Machine Learning compute: Set enableNodePublicIp to false when provisioning Machine Learning compute clusters or compute instances. Apply a similar configuration if you use a different compute.",
    'SE:06',
  ),
  managedIdentity: line(
    serviceGuide,
    securityConfiguration,
    'Managed identity: Use managed identities for authentication between Machine Learning and other services.',
    'SE:05',
  ),
  customerManagedKeys: line(
    serviceGuide,
    securityConfiguration,
    'Encrypt data at rest: Consider using customer-managed keys with Machine Learning.',
    'SE:07',
  ),

  // Cost Optimization
  scaleDownWhenIdle: line(
    serviceGuide,
    costChecklist,
    "Usage optimization: Ensure compute resources that aren't being used are scaled down or shut down when idle to reduce waste.",
    'CO:07',
  ),
  spendingLimits: line(
    serviceGuide,
    costChecklist,
    "Usage optimization: Apply policies and configure quotas to comply with the design's upper and lower limits.",
    'CO:04',
  ),
  clusterScaling: line(
    serviceGuide,
    costConfiguration,
    'Optimize compute scaling: Configure your compute clusters for autoscaling to ensure you only use what you need. For training clusters, set the minimum number of nodes to 0 and configure the amount of time the node is idle to an appropriate time.',
    'CO:12',
  ),
  terminationPolicies: line(
    serviceGuide,
    costConfiguration,
    'Set training termination policies: Set early termination policies to limit the duration of training runs or terminate them early.',
    'CO:07',
  ),
  idleShutdown: line(
    serviceGuide,
    costConfiguration,
    'Enable idle shutdown for compute instances: Enable idle shutdown for compute instances or schedule a start and stop time if usage time is known.',
    'CO:07',
  ),

  optimizeComponents: line(
    checklist('Cost Optimization', 'cost-optimization'),
    'Checklist',
    'Optimize component costs. Regularly remove or optimize legacy, unneeded, and underutilized workload components, including application features, platform features, and resources.',
    'CO:07',
  ),

  // Operational Excellence
  modelRegistries: line(
    serviceGuide,
    operationsChecklist,
    'Development standards: Take advantage of Machine Learning model catalogs and registries to store, version, and share machine learning assets.',
    'OE:04',
  ),
  monitorModels: line(
    serviceGuide,
    operationsChecklist,
    'Observability: Monitor the performance of your deployed models including data drift.',
    'OE:07',
  ),
  monitorEndpoints: line(
    serviceGuide,
    operationsChecklist,
    "Observability: If your models are deployed to online endpoints, enable Application Insights to monitor online endpoints and deployments. Monitor training infrastructure to ensure you're meeting your baseline requirements.",
    'OE:07',
  ),
  resourceLogs: line(serviceGuide, 'Advisor recommendations', 'Resource logs in Machine Learning workspaces should be enabled.', 'OE:07'),
  supplyChain: line(
    checklist('Operational Excellence', 'operational-excellence'),
    'Checklist',
    'Build a workload supply chain that drives proposed changes through predictable, automated pipelines. The pipelines test and promote those changes across environments. Optimize a supply chain to make your workload reliable, secure, cost effective, and performant.',
    'OE:06',
  ),

  // Performance Efficiency
  trainingCompute: line(
    serviceGuide,
    performanceChecklist,
    'Meet capacity requirements: Choose the right compute resources for model training.',
    'PE:03',
  ),
  deploymentCompute: line(
    serviceGuide,
    performanceChecklist,
    'Meet capacity requirements: Choose the right compute resources for model deployments.',
    'PE:03',
  ),
  autoscaleDeployments: line(
    serviceGuide,
    performanceChecklist,
    'Meet capacity requirements: Choose deployment environments with autoscaling capabilities to add and remove capacity as demand fluctuates.',
    'PE:05',
  ),
  clustersForTraining: line(
    serviceGuide,
    performanceConfiguration,
    'Select appropriate compute services for model training: Consider Machine Learning compute clusters over compute instances for model training if you require autoscaling.',
    'PE:05',
  ),
  capacityPlanning: line(
    checklist('Performance Efficiency', 'performance-efficiency'),
    'Checklist',
    'Conduct capacity planning. Perform capacity planning before there are predicted changes in usage patterns, such as seasonal variations, product updates, marketing campaigns, special events, or regulatory changes.',
    'PE:02',
  ),
} as const satisfies Record<string, SeedLine>;
