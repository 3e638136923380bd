export { defineNode, inputPortsOf, isValidPortName, outputPortsOf } from './defineNode';
export {
  CanceledError,
  errorMessages,
  GalaxyError,
  isRetryable,
  RetryableError,
  TimeoutError,
  toErrorInfo,
  WorkflowValidationError,
} from './errors';
export type { ErrorCode, ErrorInfo, GalaxyErrorOptions, ValidationIssue } from './errors';
export { createRegistry } from './registry';
export type { NodeRegistry } from './registry';
export {
  CommonNodeDataSchema,
  defaultLimits,
  defaultRetryPolicy,
  FailureModeSchema,
  RetryPolicySchema,
  WorkflowEdgeSchema,
  WorkflowNodeSchema,
  WorkflowSchema,
  WorkflowSettingsSchema,
} from './schema';
export type {
  CommonNodeData,
  FailureMode,
  RetryPolicy,
  Workflow,
  WorkflowEdge,
  WorkflowInput,
  WorkflowLimits,
  WorkflowNode,
  WorkflowSettings,
} from './schema';
export type {
  AnyNodeDefinition,
  EventOf,
  FieldSpec,
  ImageValue,
  InputsOf,
  JsonValue,
  LogEntry,
  LogLevel,
  NodeDefinition,
  NodeResult,
  NodeRunArgs,
  NodeStatus,
  OutputsOf,
  PortMap,
  PortSpec,
  PortsDef,
  PortType,
  RunContext,
  RunEvent,
  RunEventMap,
  RunEventType,
  RunOptions,
  RunResult,
  RunStatus,
} from './types';
