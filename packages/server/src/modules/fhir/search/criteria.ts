import type { SearchParamDefinition } from './definitions.ts';

/**
 * One parsed search criterion. Values of one criterion are OR-ed (comma); criteria are AND-ed
 * (repeated parameters, or different ones).
 */
export type Criterion =
  | ValueCriterion
  | ColumnCriterion
  | ChainCriterion
  | HasCriterion
  | ListCriterion
  | TextCriterion
  | CompartmentCriterion;

/** A parameter answered from its search index table, with its modifier. */
export type ValueCriterion = {
  kind: 'value';
  name: string;
  modifier: string | undefined;
  parameter: SearchParamDefinition;
  values: string[];
};

/** `_id` and `_lastUpdated`, answered from columns of the resource table. */
export type ColumnCriterion = { kind: 'column'; name: '_id' | '_lastUpdated'; values: string[] };

/**
 * Chaining (R4 §3.1.1.4.13): `subject:Patient.name=x` matches resources whose `subject` references a
 * Patient matching `name=x`. Without a type, every allowed target type that has the chained
 * parameter is searched.
 */
export type ChainCriterion = {
  kind: 'chain';
  name: string;
  parameter: SearchParamDefinition;
  /** The criterion to hold on the referenced resource, per target type. */
  next: Map<string, Criterion>;
};

/**
 * Reverse chaining (R4 §3.1.1.4.14): `_has:Observation:patient:code=x` matches resources referenced
 * by an Observation's `patient` parameter where that Observation matches `code=x`.
 */
export type HasCriterion = {
  kind: 'has';
  name: string;
  sourceType: string;
  referenceCode: string;
  next: Criterion;
};

/** `_list=id`: resources that are items of the List with that id. */
export type ListCriterion = { kind: 'list'; listIds: string[] };

/** `_text` (narrative) and `_content` (every string in the resource) full-text search. */
export type TextCriterion = { kind: 'text'; name: '_text' | '_content'; values: string[] };

/**
 * Compartment search `Patient/1/Observation` (R4 §3.1.1.2): a resource is in the compartment when
 * one of its type's compartment parameters (`codesByType`) references the compartment's resource.
 */
export type CompartmentCriterion = {
  kind: 'compartment';
  codesByType: Map<string, string[]>;
  targetType: string;
  targetId: string;
};
