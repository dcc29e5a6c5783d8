import { describe, expect, it } from "vitest";
import { ValidationError } from "../../lib/core/errors";
import { expandCountrySenderPrefixes } from "../../lib/domain/routing/expandCountry";
import {
  ADVANCED_FILTER_OPERATOR_TYPES,
  evaluateEventGridFilter,
  validateEventGridFilter,
  type AdvancedFilter,
  type EventGridFilter,
} from "../../lib/eventGridFilter/evaluateEventGridFilter";
import { parseJsonKeepingNumberText } from "../../lib/eventGridFilter/parseJsonKeepingNumberText";

const CHANNEL = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const RECEIVED = "Microsoft.Communication.AdvancedMessageReceived";

/** An Event Grid schema event whose data holds one field of every shape the operators care about. */
const event = {
  id: "0b6f0f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
  topic:
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs",
  subject: `advancedMessage/sender/447700900123/recipient/${CHANNEL}`,
  eventType: RECEIVED,
  dataVersion: "1.0",
  metadataVersion: "1",
  eventTime: "2026-06-01T10:00:00Z",
  data: {
    from: "447700900123",
    to: CHANNEL,
    channelType: "whatsapp",
    content: "Hello Contoso",
    count: 5,
    ratio: 2.5,
    isBot: false,
    numericText: "5",
    boolText: "true",
    optional: null,
    tags: ["Urgent", "customer"],
    scores: [1, 5],
    flags: [true],
    mixed: ["seven", 7],
    mixedFlags: [false, "true", 1],
    numericTexts: ["5", "7"],
    objects: [{ a: 1 }],
    nested: { level: { deep: "Value" } },
  },
};

/** The same message as a CloudEvents 1.0 event, with an extension attribute as in the Event Grid docs. */
const cloudEvent = {
  specversion: "1.0",
  id: "C234-1234-1234",
  source:
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs",
  type: RECEIVED,
  subject: `advancedMessage/sender/447700900123/recipient/${CHANNEL}`,
  time: "2026-06-01T10:00:00Z",
  comexampleothervalue: 5,
  datacontenttype: "application/json",
  data: { appinfoA: "abc", appinfoB: 123, appinfoC: true },
};

function matches(advancedFilters: AdvancedFilter[], options: EventGridFilter = {}, target: unknown = event): boolean {
  return evaluateEventGridFilter({ ...options, advancedFilters }, target);
}

interface OperatorCase {
  when: string;
  filter: AdvancedFilter;
  arrays?: boolean;
  expected: boolean;
}

const operatorCases: OperatorCase[] = [
  // NumberIn
  {
    when: "NumberIn lists data.count",
    filter: { operatorType: "NumberIn", key: "data.count", values: [5] },
    expected: true,
  },
  {
    when: "NumberIn lists data.count among other values (OR)",
    filter: { operatorType: "NumberIn", key: "data.count", values: [1, 9, 5] },
    expected: true,
  },
  {
    when: "NumberIn does not list data.count",
    filter: { operatorType: "NumberIn", key: "data.count", values: [1, 2] },
    expected: false,
  },
  {
    when: "NumberIn names a missing key",
    filter: { operatorType: "NumberIn", key: "data.absent", values: [5] },
    expected: false,
  },
  {
    when: "NumberIn names a null value",
    filter: { operatorType: "NumberIn", key: "data.optional", values: [5] },
    expected: false,
  },
  {
    when: 'NumberIn meets the numeric string "5"',
    filter: { operatorType: "NumberIn", key: "data.numericText", values: [5] },
    expected: false,
  },
  {
    when: "NumberIn meets an array without enableAdvancedFilteringOnArrays",
    filter: { operatorType: "NumberIn", key: "data.scores", values: [5] },
    expected: false,
  },
  {
    when: "NumberIn lists one element of an array with array filtering",
    filter: { operatorType: "NumberIn", key: "data.scores", values: [5] },
    arrays: true,
    expected: true,
  },
  {
    when: "NumberIn lists no element of an array with array filtering",
    filter: { operatorType: "NumberIn", key: "data.scores", values: [7] },
    arrays: true,
    expected: false,
  },
  {
    when: "NumberIn lists the number in a mixed array with array filtering (the string is ignored)",
    filter: { operatorType: "NumberIn", key: "data.mixed", values: [7] },
    arrays: true,
    expected: true,
  },
  {
    when: 'NumberIn lists 7 and the array holds only the string "7" with array filtering (strings are ignored)',
    filter: { operatorType: "NumberIn", key: "data.numericTexts", values: [7] },
    arrays: true,
    expected: false,
  },
  // NumberNotIn
  {
    when: "NumberNotIn does not list data.count",
    filter: { operatorType: "NumberNotIn", key: "data.count", values: [1, 2] },
    expected: true,
  },
  {
    when: "NumberNotIn lists data.count among other values",
    filter: { operatorType: "NumberNotIn", key: "data.count", values: [3, 5] },
    expected: false,
  },
  {
    when: "NumberNotIn names a missing key",
    filter: { operatorType: "NumberNotIn", key: "data.absent", values: [5] },
    expected: true,
  },
  {
    when: "NumberNotIn names a null value",
    filter: { operatorType: "NumberNotIn", key: "data.optional", values: [5] },
    expected: true,
  },
  {
    when: "NumberNotIn meets a string, which is no number it lists",
    filter: { operatorType: "NumberNotIn", key: "data.numericText", values: [5] },
    expected: true,
  },
  {
    when: "NumberNotIn meets an array without enableAdvancedFilteringOnArrays",
    filter: { operatorType: "NumberNotIn", key: "data.scores", values: [7] },
    expected: false,
  },
  {
    when: "NumberNotIn lists no element of an array with array filtering",
    filter: { operatorType: "NumberNotIn", key: "data.scores", values: [7, 8] },
    arrays: true,
    expected: true,
  },
  {
    when: "NumberNotIn lists one element of an array with array filtering",
    filter: { operatorType: "NumberNotIn", key: "data.scores", values: [1] },
    arrays: true,
    expected: false,
  },
  {
    when: 'NumberNotIn lists 7 and the array holds only the string "7" with array filtering (strings are ignored)',
    filter: { operatorType: "NumberNotIn", key: "data.numericTexts", values: [7] },
    arrays: true,
    expected: true,
  },
  // NumberLessThan
  {
    when: "NumberLessThan is above data.count",
    filter: { operatorType: "NumberLessThan", key: "data.count", value: 6 },
    expected: true,
  },
  {
    when: "NumberLessThan equals data.count",
    filter: { operatorType: "NumberLessThan", key: "data.count", value: 5 },
    expected: false,
  },
  {
    when: "NumberLessThan compares a decimal",
    filter: { operatorType: "NumberLessThan", key: "data.ratio", value: 2.6 },
    expected: true,
  },
  {
    when: "NumberLessThan names a missing key",
    filter: { operatorType: "NumberLessThan", key: "data.absent", value: 6 },
    expected: false,
  },
  {
    when: 'NumberLessThan meets the numeric string "5"',
    filter: { operatorType: "NumberLessThan", key: "data.numericText", value: 6 },
    expected: false,
  },
  {
    when: "NumberLessThan is above one array element with array filtering",
    filter: { operatorType: "NumberLessThan", key: "data.scores", value: 2 },
    arrays: true,
    expected: true,
  },
  {
    when: "NumberLessThan meets an array without enableAdvancedFilteringOnArrays",
    filter: { operatorType: "NumberLessThan", key: "data.scores", value: 2 },
    expected: false,
  },
  // NumberGreaterThan
  {
    when: "NumberGreaterThan is below data.count",
    filter: { operatorType: "NumberGreaterThan", key: "data.count", value: 4 },
    expected: true,
  },
  {
    when: "NumberGreaterThan equals data.count",
    filter: { operatorType: "NumberGreaterThan", key: "data.count", value: 5 },
    expected: false,
  },
  {
    when: "NumberGreaterThan names a missing key",
    filter: { operatorType: "NumberGreaterThan", key: "data.absent", value: 4 },
    expected: false,
  },
  {
    when: "NumberGreaterThan is below one array element with array filtering",
    filter: { operatorType: "NumberGreaterThan", key: "data.scores", value: 4 },
    arrays: true,
    expected: true,
  },
  // NumberLessThanOrEquals
  {
    when: "NumberLessThanOrEquals equals data.count",
    filter: { operatorType: "NumberLessThanOrEquals", key: "data.count", value: 5 },
    expected: true,
  },
  {
    when: "NumberLessThanOrEquals is below data.count",
    filter: { operatorType: "NumberLessThanOrEquals", key: "data.count", value: 4 },
    expected: false,
  },
  {
    when: "NumberLessThanOrEquals names a missing key",
    filter: { operatorType: "NumberLessThanOrEquals", key: "data.absent", value: 5 },
    expected: false,
  },
  {
    when: "NumberLessThanOrEquals equals one array element with array filtering",
    filter: { operatorType: "NumberLessThanOrEquals", key: "data.scores", value: 1 },
    arrays: true,
    expected: true,
  },
  // NumberGreaterThanOrEquals
  {
    when: "NumberGreaterThanOrEquals equals data.count",
    filter: { operatorType: "NumberGreaterThanOrEquals", key: "data.count", value: 5 },
    expected: true,
  },
  {
    when: "NumberGreaterThanOrEquals is above data.count",
    filter: { operatorType: "NumberGreaterThanOrEquals", key: "data.count", value: 6 },
    expected: false,
  },
  {
    when: "NumberGreaterThanOrEquals names a missing key",
    filter: { operatorType: "NumberGreaterThanOrEquals", key: "data.absent", value: 5 },
    expected: false,
  },
  {
    when: "NumberGreaterThanOrEquals meets a boolean",
    filter: { operatorType: "NumberGreaterThanOrEquals", key: "data.isBot", value: 0 },
    expected: false,
  },
  // NumberInRange
  {
    when: "NumberInRange has data.count as its inclusive upper end",
    filter: { operatorType: "NumberInRange", key: "data.count", values: [[1, 5]] },
    expected: true,
  },
  {
    when: "NumberInRange has data.count in its second range (OR)",
    filter: {
      operatorType: "NumberInRange",
      key: "data.count",
      values: [
        [0, 1],
        [4, 6],
      ],
    },
    expected: true,
  },
  {
    when: "NumberInRange has data.count in no range",
    filter: { operatorType: "NumberInRange", key: "data.count", values: [[6, 10]] },
    expected: false,
  },
  {
    when: "NumberInRange names a missing key",
    filter: { operatorType: "NumberInRange", key: "data.absent", values: [[0, 10]] },
    expected: false,
  },
  {
    when: "NumberInRange covers one array element with array filtering",
    filter: { operatorType: "NumberInRange", key: "data.scores", values: [[4, 6]] },
    arrays: true,
    expected: true,
  },
  {
    when: "NumberInRange meets an array without enableAdvancedFilteringOnArrays",
    filter: { operatorType: "NumberInRange", key: "data.scores", values: [[4, 6]] },
    expected: false,
  },
  // NumberNotInRange
  {
    when: "NumberNotInRange has data.count in no range",
    filter: { operatorType: "NumberNotInRange", key: "data.count", values: [[6, 10]] },
    expected: true,
  },
  {
    when: "NumberNotInRange has data.count in one of its ranges",
    filter: {
      operatorType: "NumberNotInRange",
      key: "data.count",
      values: [
        [0, 1],
        [5, 5],
      ],
    },
    expected: false,
  },
  {
    when: "NumberNotInRange names a missing key",
    filter: { operatorType: "NumberNotInRange", key: "data.absent", values: [[6, 10]] },
    expected: false,
  },
  {
    when: "NumberNotInRange covers no array element with array filtering",
    filter: { operatorType: "NumberNotInRange", key: "data.scores", values: [[10, 20]] },
    arrays: true,
    expected: true,
  },
  {
    when: "NumberNotInRange covers one array element with array filtering",
    filter: { operatorType: "NumberNotInRange", key: "data.scores", values: [[4, 6]] },
    arrays: true,
    expected: false,
  },
  // BoolEquals
  {
    when: "BoolEquals equals data.isBot",
    filter: { operatorType: "BoolEquals", key: "data.isBot", value: false },
    expected: true,
  },
  {
    when: "BoolEquals differs from data.isBot",
    filter: { operatorType: "BoolEquals", key: "data.isBot", value: true },
    expected: false,
  },
  {
    when: "BoolEquals names a missing key",
    filter: { operatorType: "BoolEquals", key: "data.absent", value: false },
    expected: false,
  },
  {
    when: 'BoolEquals meets the string "true"',
    filter: { operatorType: "BoolEquals", key: "data.boolText", value: true },
    expected: false,
  },
  {
    when: "BoolEquals equals an array element with array filtering",
    filter: { operatorType: "BoolEquals", key: "data.flags", value: true },
    arrays: true,
    expected: true,
  },
  {
    when: 'BoolEquals is true and a mixed array holds false, the string "true" and 1 with array filtering',
    filter: { operatorType: "BoolEquals", key: "data.mixedFlags", value: true },
    arrays: true,
    expected: false,
  },
  {
    when: "BoolEquals is false and a mixed array holds false among a string and a number with array filtering",
    filter: { operatorType: "BoolEquals", key: "data.mixedFlags", value: false },
    arrays: true,
    expected: true,
  },
  {
    when: "BoolEquals meets an array without enableAdvancedFilteringOnArrays",
    filter: { operatorType: "BoolEquals", key: "data.flags", value: true },
    expected: false,
  },
  // StringIn
  {
    when: "StringIn lists data.channelType",
    filter: { operatorType: "StringIn", key: "data.channelType", values: ["whatsapp"] },
    expected: true,
  },
  {
    when: "StringIn lists data.channelType in another case",
    filter: { operatorType: "StringIn", key: "data.channelType", values: ["WhatsApp"] },
    expected: true,
  },
  {
    when: "StringIn lists data.channelType among other values (OR)",
    filter: { operatorType: "StringIn", key: "data.channelType", values: ["sms", "WHATSAPP"] },
    expected: true,
  },
  {
    when: "StringIn does not list data.channelType",
    filter: { operatorType: "StringIn", key: "data.channelType", values: ["sms"] },
    expected: false,
  },
  {
    when: "StringIn names a missing key",
    filter: { operatorType: "StringIn", key: "data.absent", values: ["x"] },
    expected: false,
  },
  {
    when: "StringIn lists the JSON text of a number",
    filter: { operatorType: "StringIn", key: "data.count", values: ["5"] },
    expected: true,
  },
  {
    when: "StringIn lists the JSON text of a boolean",
    filter: { operatorType: "StringIn", key: "data.isBot", values: ["FALSE"] },
    expected: true,
  },
  {
    when: "StringIn lists one array element in another case with array filtering",
    filter: { operatorType: "StringIn", key: "data.tags", values: ["urgent"] },
    arrays: true,
    expected: true,
  },
  {
    when: 'StringIn lists "7" and the mixed array holds the number 7 with array filtering (numbers are ignored)',
    filter: { operatorType: "StringIn", key: "data.mixed", values: ["7"] },
    arrays: true,
    expected: false,
  },
  {
    when: 'StringIn lists "false" and "1" and the array holds them only as a boolean and a number with array filtering',
    filter: { operatorType: "StringIn", key: "data.mixedFlags", values: ["false", "1"] },
    arrays: true,
    expected: false,
  },
  {
    when: 'StringIn lists "true" and the array holds the string "true" with array filtering',
    filter: { operatorType: "StringIn", key: "data.mixedFlags", values: ["TRUE"] },
    arrays: true,
    expected: true,
  },
  {
    when: "StringIn meets an array without enableAdvancedFilteringOnArrays",
    filter: { operatorType: "StringIn", key: "data.tags", values: ["urgent"] },
    expected: false,
  },
  {
    when: "StringIn meets an array of objects with array filtering",
    filter: { operatorType: "StringIn", key: "data.objects", values: ["1"] },
    arrays: true,
    expected: false,
  },
  // StringNotIn
  {
    when: "StringNotIn does not list data.channelType",
    filter: { operatorType: "StringNotIn", key: "data.channelType", values: ["sms"] },
    expected: true,
  },
  {
    when: "StringNotIn lists data.channelType in another case among other values",
    filter: { operatorType: "StringNotIn", key: "data.channelType", values: ["sms", "WhatsApp"] },
    expected: false,
  },
  {
    when: "StringNotIn names a missing key",
    filter: { operatorType: "StringNotIn", key: "data.absent", values: ["x"] },
    expected: true,
  },
  {
    when: "StringNotIn lists no array element with array filtering",
    filter: { operatorType: "StringNotIn", key: "data.tags", values: ["billing"] },
    arrays: true,
    expected: true,
  },
  {
    when: "StringNotIn lists one array element with array filtering",
    filter: { operatorType: "StringNotIn", key: "data.tags", values: ["CUSTOMER"] },
    arrays: true,
    expected: false,
  },
  {
    when: 'StringNotIn lists "7" and the mixed array holds the number 7 with array filtering (numbers are ignored)',
    filter: { operatorType: "StringNotIn", key: "data.mixed", values: ["7"] },
    arrays: true,
    expected: true,
  },
  {
    when: "StringNotIn meets an array without enableAdvancedFilteringOnArrays",
    filter: { operatorType: "StringNotIn", key: "data.tags", values: ["billing"] },
    expected: false,
  },
  {
    when: "StringNotIn meets an array of objects with array filtering",
    filter: { operatorType: "StringNotIn", key: "data.objects", values: ["x"] },
    arrays: true,
    expected: false,
  },
  // StringBeginsWith
  {
    when: "StringBeginsWith is a prefix in another case",
    filter: { operatorType: "StringBeginsWith", key: "data.content", values: ["hello"] },
    expected: true,
  },
  {
    when: "StringBeginsWith has a prefix among other values (OR)",
    filter: { operatorType: "StringBeginsWith", key: "data.content", values: ["bye", "HEL"] },
    expected: true,
  },
  {
    when: "StringBeginsWith is no prefix",
    filter: { operatorType: "StringBeginsWith", key: "data.content", values: ["Contoso"] },
    expected: false,
  },
  {
    when: "StringBeginsWith names a missing key",
    filter: { operatorType: "StringBeginsWith", key: "data.absent", values: ["x"] },
    expected: false,
  },
  {
    when: "StringBeginsWith prefixes one array element with array filtering",
    filter: { operatorType: "StringBeginsWith", key: "data.tags", values: ["cust"] },
    arrays: true,
    expected: true,
  },
  {
    when: "StringBeginsWith is a prefix of a number in an array of numbers with array filtering (numbers are ignored)",
    filter: { operatorType: "StringBeginsWith", key: "data.scores", values: ["1"] },
    arrays: true,
    expected: false,
  },
  {
    when: "StringBeginsWith meets an array without enableAdvancedFilteringOnArrays",
    filter: { operatorType: "StringBeginsWith", key: "data.tags", values: ["cust"] },
    expected: false,
  },
  // StringEndsWith
  {
    when: "StringEndsWith is a suffix in another case",
    filter: { operatorType: "StringEndsWith", key: "data.content", values: ["CONTOSO"] },
    expected: true,
  },
  {
    when: "StringEndsWith is no suffix",
    filter: { operatorType: "StringEndsWith", key: "data.content", values: ["hello"] },
    expected: false,
  },
  {
    when: "StringEndsWith names a missing key",
    filter: { operatorType: "StringEndsWith", key: "data.absent", values: ["x"] },
    expected: false,
  },
  {
    when: "StringEndsWith suffixes one array element with array filtering",
    filter: { operatorType: "StringEndsWith", key: "data.tags", values: ["MER"] },
    arrays: true,
    expected: true,
  },
  {
    when: "StringEndsWith is a suffix of a number in an array of numbers with array filtering (numbers are ignored)",
    filter: { operatorType: "StringEndsWith", key: "data.scores", values: ["5"] },
    arrays: true,
    expected: false,
  },
  // StringContains
  {
    when: "StringContains is a substring in another case",
    filter: { operatorType: "StringContains", key: "data.content", values: ["LO co"] },
    expected: true,
  },
  {
    when: "StringContains has a substring among other values (OR)",
    filter: { operatorType: "StringContains", key: "data.content", values: ["xyz", "cont"] },
    expected: true,
  },
  {
    when: "StringContains is no substring",
    filter: { operatorType: "StringContains", key: "data.content", values: ["bye"] },
    expected: false,
  },
  {
    when: "StringContains names a missing key",
    filter: { operatorType: "StringContains", key: "data.absent", values: ["x"] },
    expected: false,
  },
  {
    when: "StringContains is inside one array element with array filtering",
    filter: { operatorType: "StringContains", key: "data.tags", values: ["RGEN"] },
    arrays: true,
    expected: true,
  },
  {
    when: 'StringContains is inside "false" and the array holds the boolean false with array filtering (ignored)',
    filter: { operatorType: "StringContains", key: "data.mixedFlags", values: ["als"] },
    arrays: true,
    expected: false,
  },
  {
    when: "StringContains meets an array without enableAdvancedFilteringOnArrays",
    filter: { operatorType: "StringContains", key: "data.tags", values: ["rgen"] },
    expected: false,
  },
  // StringNotBeginsWith
  {
    when: "StringNotBeginsWith is no prefix",
    filter: { operatorType: "StringNotBeginsWith", key: "data.content", values: ["bye"] },
    expected: true,
  },
  {
    when: "StringNotBeginsWith has a prefix in another case among other values",
    filter: { operatorType: "StringNotBeginsWith", key: "data.content", values: ["bye", "HELLO"] },
    expected: false,
  },
  {
    when: "StringNotBeginsWith names a missing key",
    filter: { operatorType: "StringNotBeginsWith", key: "data.absent", values: ["x"] },
    expected: false,
  },
  {
    when: "StringNotBeginsWith prefixes no array element with array filtering",
    filter: { operatorType: "StringNotBeginsWith", key: "data.tags", values: ["x"] },
    arrays: true,
    expected: true,
  },
  {
    when: "StringNotBeginsWith prefixes one array element with array filtering",
    filter: { operatorType: "StringNotBeginsWith", key: "data.tags", values: ["urg"] },
    arrays: true,
    expected: false,
  },
  {
    when: "StringNotBeginsWith prefixes a number in an array of numbers with array filtering (numbers are ignored)",
    filter: { operatorType: "StringNotBeginsWith", key: "data.scores", values: ["1"] },
    arrays: true,
    expected: true,
  },
  // StringNotEndsWith
  {
    when: "StringNotEndsWith is no suffix",
    filter: { operatorType: "StringNotEndsWith", key: "data.content", values: ["bye"] },
    expected: true,
  },
  {
    when: "StringNotEndsWith is a suffix in another case",
    filter: { operatorType: "StringNotEndsWith", key: "data.content", values: ["contoso"] },
    expected: false,
  },
  {
    when: "StringNotEndsWith names a missing key",
    filter: { operatorType: "StringNotEndsWith", key: "data.absent", values: ["x"] },
    expected: false,
  },
  {
    when: "StringNotEndsWith suffixes one array element with array filtering",
    filter: { operatorType: "StringNotEndsWith", key: "data.tags", values: ["tomer"] },
    arrays: true,
    expected: false,
  },
  {
    when: "StringNotEndsWith suffixes a number in an array of numbers with array filtering (numbers are ignored)",
    filter: { operatorType: "StringNotEndsWith", key: "data.scores", values: ["5"] },
    arrays: true,
    expected: true,
  },
  // StringNotContains
  {
    when: "StringNotContains is no substring",
    filter: { operatorType: "StringNotContains", key: "data.content", values: ["bye"] },
    expected: true,
  },
  {
    when: "StringNotContains is a substring in another case",
    filter: { operatorType: "StringNotContains", key: "data.content", values: ["O C"] },
    expected: false,
  },
  {
    when: "StringNotContains names a missing key",
    filter: { operatorType: "StringNotContains", key: "data.absent", values: ["x"] },
    expected: false,
  },
  {
    when: "StringNotContains is inside no array element with array filtering",
    filter: { operatorType: "StringNotContains", key: "data.tags", values: ["zzz"] },
    arrays: true,
    expected: true,
  },
  {
    when: "StringNotContains is inside one array element with array filtering",
    filter: { operatorType: "StringNotContains", key: "data.tags", values: ["STOM"] },
    arrays: true,
    expected: false,
  },
  {
    when: "StringNotContains is inside a number of a mixed array with array filtering (the number is ignored)",
    filter: { operatorType: "StringNotContains", key: "data.mixed", values: ["7"] },
    arrays: true,
    expected: true,
  },
  {
    when: "StringNotContains meets an array without enableAdvancedFilteringOnArrays",
    filter: { operatorType: "StringNotContains", key: "data.tags", values: ["zzz"] },
    expected: false,
  },
  // IsNullOrUndefined
  {
    when: "IsNullOrUndefined names a missing key",
    filter: { operatorType: "IsNullOrUndefined", key: "data.absent" },
    expected: true,
  },
  {
    when: "IsNullOrUndefined names a null value",
    filter: { operatorType: "IsNullOrUndefined", key: "data.optional" },
    expected: true,
  },
  {
    when: "IsNullOrUndefined names a key under a missing parent",
    filter: { operatorType: "IsNullOrUndefined", key: "data.absent.deeper" },
    expected: true,
  },
  {
    when: "IsNullOrUndefined names a present value",
    filter: { operatorType: "IsNullOrUndefined", key: "data.count" },
    expected: false,
  },
  // IsNotNull
  {
    when: "IsNotNull names a present value",
    filter: { operatorType: "IsNotNull", key: "data.content" },
    expected: true,
  },
  { when: "IsNotNull names a missing key", filter: { operatorType: "IsNotNull", key: "data.absent" }, expected: false },
  {
    when: "IsNotNull names a null value",
    filter: { operatorType: "IsNotNull", key: "data.optional" },
    expected: false,
  },
  {
    when: "IsNotNull names an array without enableAdvancedFilteringOnArrays",
    filter: { operatorType: "IsNotNull", key: "data.tags" },
    expected: true,
  },
];

describe("evaluateEventGridFilter advanced operators", () => {
  it("covers all 19 operators when the case table is counted", () => {
    const covered = new Set(operatorCases.map((entry) => entry.filter.operatorType));
    expect([...covered].sort()).toEqual([...ADVANCED_FILTER_OPERATOR_TYPES].sort());
  });

  it.each(
    operatorCases.map((entry) => ({
      ...entry,
      name: `${entry.expected ? "matches" : "does not match"} when ${entry.when}`,
    })),
  )("$name", ({ filter, arrays, expected }) => {
    expect(matches([filter], { enableAdvancedFilteringOnArrays: arrays ?? false })).toBe(expected);
  });
});

describe("evaluateEventGridFilter combining and keys", () => {
  const isWhatsApp: AdvancedFilter = { operatorType: "StringIn", key: "data.channelType", values: ["whatsapp"] };
  const isFive: AdvancedFilter = { operatorType: "NumberIn", key: "data.count", values: [5] };
  const isSix: AdvancedFilter = { operatorType: "NumberIn", key: "data.count", values: [6] };

  it("matches when every one of several filters matches (AND)", () => {
    expect(matches([isWhatsApp, isFive])).toBe(true);
  });

  it("does not match when one of several filters fails (AND)", () => {
    expect(matches([isWhatsApp, isSix])).toBe(false);
  });

  it("matches when the advanced filter list is empty or null", () => {
    expect(matches([])).toBe(true);
    expect(evaluateEventGridFilter({ advancedFilters: null }, event)).toBe(true);
  });

  it.each([
    ["id", "0b6f0f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"],
    [
      "topic",
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs",
    ],
    ["subject", `advancedMessage/sender/447700900123/recipient/${CHANNEL}`],
    ["eventType", RECEIVED],
    ["dataVersion", "1.0"],
    ["data.nested.level.deep", "value"],
  ])("reads the Event Grid schema key %s when it names an envelope or data field", (key, value) => {
    expect(matches([{ operatorType: "StringIn", key, values: [value] }])).toBe(true);
    expect(matches([{ operatorType: "StringIn", key, values: ["something else"] }])).toBe(false);
  });

  it("finds keys case-insensitively when their case differs from the event", () => {
    expect(matches([{ operatorType: "StringIn", key: "Data.Nested.Level.Deep", values: ["VALUE"] }])).toBe(true);
    expect(matches([{ operatorType: "StringBeginsWith", key: "SUBJECT", values: ["advancedmessage/"] }])).toBe(true);
  });

  it("treats the key as missing when it steps into an array or a scalar", () => {
    expect(
      matches([{ operatorType: "IsNullOrUndefined", key: "data.objects.a" }], {
        enableAdvancedFilteringOnArrays: true,
      }),
    ).toBe(true);
    expect(matches([{ operatorType: "IsNullOrUndefined", key: "data.count.x" }])).toBe(true);
  });

  it("does not match a value operator when the key names an object", () => {
    expect(matches([{ operatorType: "StringNotIn", key: "data.nested", values: ["x"] }])).toBe(false);
    expect(matches([{ operatorType: "IsNotNull", key: "data.nested" }])).toBe(true);
  });

  it.each([
    ["id", "C234-1234-1234"],
    [
      "source",
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs",
    ],
    ["type", RECEIVED],
    ["specversion", "1.0"],
    ["subject", `advancedMessage/sender/447700900123/recipient/${CHANNEL}`],
    ["data.appinfoA", "ABC"],
  ])("reads the CloudEvents key %s when the event is a CloudEvent", (key, value) => {
    expect(matches([{ operatorType: "StringIn", key, values: [value] }], {}, cloudEvent)).toBe(true);
    expect(matches([{ operatorType: "StringIn", key, values: ["something else"] }], {}, cloudEvent)).toBe(false);
  });

  it("matches a numeric extension attribute with StringBeginsWith when the event is a CloudEvent (docs example)", () => {
    const filter: AdvancedFilter = {
      operatorType: "StringBeginsWith",
      key: "comexampleothervalue",
      values: ["5", "1"],
    };
    expect(matches([filter], {}, cloudEvent)).toBe(true);
    expect(matches([{ operatorType: "NumberIn", key: "data.appinfoB", values: [123] }], {}, cloudEvent)).toBe(true);
    expect(matches([{ operatorType: "BoolEquals", key: "data.appinfoC", value: true }], {}, cloudEvent)).toBe(true);
  });

  it("does not look up Event Grid envelope names when the event is a CloudEvent", () => {
    expect(matches([{ operatorType: "IsNullOrUndefined", key: "eventType" }], {}, cloudEvent)).toBe(true);
    expect(matches([{ operatorType: "IsNullOrUndefined", key: "topic" }], {}, cloudEvent)).toBe(true);
  });

  it("does not match when the event is not an object", () => {
    expect(evaluateEventGridFilter({}, null)).toBe(false);
    expect(evaluateEventGridFilter({}, "event")).toBe(false);
    expect(evaluateEventGridFilter({}, [event])).toBe(false);
  });
});

/**
 * A number case: the filter and the event's `data.n` are JSON text, read as the local topic and the file loaders read
 * them ({@link parseJsonKeepingNumberText}); Event Grid reads both as .NET decimals.
 */
interface DecimalCase {
  when: string;
  filter: string;
  n: string;
  arrays?: boolean;
  expected: boolean;
}

const decimalCases: DecimalCase[] = [
  // Digits a double drops: 0.10000000000000001 and 0.1 are the same double but different decimals.
  {
    when: "NumberGreaterThan is 0.1 and data.n is 0.10000000000000001",
    filter: '{ "operatorType": "NumberGreaterThan", "key": "data.n", "value": 0.1 }',
    n: "0.10000000000000001",
    expected: true,
  },
  {
    when: "NumberLessThan is 0.10000000000000001 and data.n is 0.1",
    filter: '{ "operatorType": "NumberLessThan", "key": "data.n", "value": 0.10000000000000001 }',
    n: "0.1",
    expected: true,
  },
  {
    when: "NumberLessThanOrEquals is 0.1 and data.n is 0.10000000000000001",
    filter: '{ "operatorType": "NumberLessThanOrEquals", "key": "data.n", "value": 0.1 }',
    n: "0.10000000000000001",
    expected: false,
  },
  {
    when: "NumberGreaterThanOrEquals is 0.10000000000000001 and data.n is 0.1",
    filter: '{ "operatorType": "NumberGreaterThanOrEquals", "key": "data.n", "value": 0.10000000000000001 }',
    n: "0.1",
    expected: false,
  },
  {
    when: "NumberIn lists 0.1 and data.n is 0.10000000000000001",
    filter: '{ "operatorType": "NumberIn", "key": "data.n", "values": [0.1] }',
    n: "0.10000000000000001",
    expected: false,
  },
  {
    when: "NumberNotIn lists 0.1 and data.n is 0.10000000000000001",
    filter: '{ "operatorType": "NumberNotIn", "key": "data.n", "values": [0.1] }',
    n: "0.10000000000000001",
    expected: true,
  },
  {
    when: "NumberInRange ends at 0.1 and data.n is 0.10000000000000001",
    filter: '{ "operatorType": "NumberInRange", "key": "data.n", "values": [[0, 0.1]] }',
    n: "0.10000000000000001",
    expected: false,
  },
  {
    when: "NumberNotInRange ends at 0.1 and data.n is 0.10000000000000001",
    filter: '{ "operatorType": "NumberNotInRange", "key": "data.n", "values": [[0, 0.1]] }',
    n: "0.10000000000000001",
    expected: true,
  },
  {
    when: "NumberInRange starts at 0.10000000000000001 and data.n is 0.1",
    filter: '{ "operatorType": "NumberInRange", "key": "data.n", "values": [[0.10000000000000001, 1]] }',
    n: "0.1",
    expected: false,
  },
  // Integers beyond 2^53, which doubles round to even.
  {
    when: "NumberIn lists 9007199254740993 and data.n is 9007199254740992",
    filter: '{ "operatorType": "NumberIn", "key": "data.n", "values": [9007199254740993] }',
    n: "9007199254740992",
    expected: false,
  },
  {
    when: "NumberGreaterThan is 9007199254740992 and data.n is 9007199254740993",
    filter: '{ "operatorType": "NumberGreaterThan", "key": "data.n", "value": 9007199254740992 }',
    n: "9007199254740993",
    expected: true,
  },
  // Array elements keep their digits too.
  {
    when: "NumberIn lists 0.1 and an array element is 0.10000000000000001 with array filtering",
    filter: '{ "operatorType": "NumberIn", "key": "data.n", "values": [0.1] }',
    n: "[0.10000000000000001, 2]",
    arrays: true,
    expected: false,
  },
  {
    when: "NumberGreaterThan is 0.1 and an array element is 0.10000000000000001 with array filtering",
    filter: '{ "operatorType": "NumberGreaterThan", "key": "data.n", "value": 0.1 }',
    n: "[0, 0.10000000000000001]",
    arrays: true,
    expected: true,
  },
  // A decimal keeps at most 28 decimal places: a 29th rounds to the nearest.
  {
    when: "NumberGreaterThan is 0.1 and data.n has a 29th decimal place that rounds up",
    filter: '{ "operatorType": "NumberGreaterThan", "key": "data.n", "value": 0.1 }',
    n: "0.10000000000000000000000000006",
    expected: true,
  },
  {
    when: "NumberIn lists 0.1 and data.n has a 29th decimal place that rounds down",
    filter: '{ "operatorType": "NumberIn", "key": "data.n", "values": [0.1] }',
    n: "0.10000000000000000000000000004",
    expected: true,
  },
  {
    when: "NumberIn lists 0 and data.n is 1e-30, which a decimal rounds to zero",
    filter: '{ "operatorType": "NumberIn", "key": "data.n", "values": [0] }',
    n: "1e-30",
    expected: true,
  },
  {
    when: "NumberGreaterThan is 0 and data.n is 1e-30, which a decimal rounds to zero",
    filter: '{ "operatorType": "NumberGreaterThan", "key": "data.n", "value": 0 }',
    n: "1e-30",
    expected: false,
  },
  // Beyond the decimal's range (79228162514264337593543950335) the value is ignored like one of another type.
  {
    when: "NumberGreaterThan is 5 and data.n is 1e30, beyond the decimal range",
    filter: '{ "operatorType": "NumberGreaterThan", "key": "data.n", "value": 5 }',
    n: "1e30",
    expected: false,
  },
  {
    when: "NumberGreaterThan is 0 and data.n is 2^96, one above the decimal maximum",
    filter: '{ "operatorType": "NumberGreaterThan", "key": "data.n", "value": 0 }',
    n: "79228162514264337593543950336",
    expected: false,
  },
  {
    when: "NumberGreaterThan is 0 and data.n is the decimal maximum",
    filter: '{ "operatorType": "NumberGreaterThan", "key": "data.n", "value": 0 }',
    n: "79228162514264337593543950335",
    expected: true,
  },
  {
    when: "NumberNotIn lists 5 and data.n is 1e30, beyond the decimal range",
    filter: '{ "operatorType": "NumberNotIn", "key": "data.n", "values": [5] }',
    n: "1e30",
    expected: true,
  },
  {
    when: "NumberLessThan is 5 and an array holds 1e30 and 7 with array filtering (1e30 is ignored)",
    filter: '{ "operatorType": "NumberLessThan", "key": "data.n", "value": 8 }',
    n: "[1e30, 7]",
    arrays: true,
    expected: true,
  },
];

describe("evaluateEventGridFilter numbers as .NET decimals", () => {
  const envelope = (n: string): string =>
    `{"id":"1","eventType":"${RECEIVED}","subject":"s","eventTime":"2026-06-01T10:00:00Z","data":{"n":${n}}}`;

  it.each(
    decimalCases.map((entry) => ({
      ...entry,
      name: `${entry.expected ? "matches" : "does not match"} when ${entry.when}`,
    })),
  )("$name", ({ filter, n, arrays, expected }) => {
    const advanced = parseJsonKeepingNumberText(filter) as AdvancedFilter;
    const parsedEvent = parseJsonKeepingNumberText(envelope(n));
    const result = evaluateEventGridFilter(
      { advancedFilters: [advanced], enableAdvancedFilteringOnArrays: arrays ?? false },
      parsedEvent,
    );
    expect(result).toBe(expected);
  });

  it.each<[string, number, AdvancedFilter, boolean]>([
    [
      "holds 1e-30, which a decimal rounds to zero",
      1e-30,
      { operatorType: "NumberIn", key: "data.n", values: [0] },
      true,
    ],
    [
      "holds 1e30, beyond the decimal range",
      1e30,
      { operatorType: "NumberGreaterThan", key: "data.n", value: 5 },
      false,
    ],
  ])(
    "reads a JavaScript number via its shortest round-trip text when an event built in code %s",
    (_when, n, filter, expected) => {
      expect(matches([filter], {}, { ...event, data: { n } })).toBe(expected);
    },
  );

  it("compares plain doubles exactly when neither side was parsed from text", () => {
    expect(
      matches(
        [{ operatorType: "NumberGreaterThan", key: "data.n", value: 0.3 }],
        {},
        { ...event, data: { n: 0.1 + 0.2 } },
      ),
    ).toBe(true);
    expect(
      matches([{ operatorType: "NumberIn", key: "data.n", values: [0.3] }], {}, { ...event, data: { n: 0.3 } }),
    ).toBe(true);
  });
});

describe("evaluateEventGridFilter event types and subject", () => {
  const typeCases: [string, string[] | null | undefined, boolean][] = [
    ["includedEventTypes is absent", undefined, true],
    ["includedEventTypes is null", null, true],
    ["includedEventTypes is empty", [], true],
    ["includedEventTypes names the type", [RECEIVED], true],
    ["includedEventTypes names the type in lower case", [RECEIVED.toLowerCase()], true],
    ["includedEventTypes names the type among others", ["Microsoft.Storage.BlobCreated", RECEIVED], true],
    ["includedEventTypes lists All", ["All"], true],
    [
      "includedEventTypes names only another type",
      ["Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated"],
      false,
    ],
  ];
  it.each(
    typeCases.map(([when, includedEventTypes, expected]) => ({
      name: `${expected ? "matches" : "does not match"} when ${when}`,
      includedEventTypes,
      expected,
    })),
  )("$name", ({ includedEventTypes, expected }) => {
    expect(evaluateEventGridFilter({ includedEventTypes }, event)).toBe(expected);
  });

  it("compares the CloudEvents type when includedEventTypes is set on a CloudEvent", () => {
    expect(evaluateEventGridFilter({ includedEventTypes: [RECEIVED] }, cloudEvent)).toBe(true);
    expect(evaluateEventGridFilter({ includedEventTypes: ["Other.Type"] }, cloudEvent)).toBe(false);
  });

  it("matches subjectBeginsWith in another case when isSubjectCaseSensitive is not set", () => {
    expect(evaluateEventGridFilter({ subjectBeginsWith: "ADVANCEDMESSAGE/SENDER/44" }, event)).toBe(true);
    expect(evaluateEventGridFilter({ subjectBeginsWith: "advancedMessage/sender/1" }, event)).toBe(false);
  });

  it("does not match subjectBeginsWith in another case when isSubjectCaseSensitive is true", () => {
    const filter: EventGridFilter = { subjectBeginsWith: "ADVANCEDMESSAGE/SENDER/44", isSubjectCaseSensitive: true };
    expect(evaluateEventGridFilter(filter, event)).toBe(false);
    expect(evaluateEventGridFilter({ ...filter, subjectBeginsWith: "advancedMessage/sender/44" }, event)).toBe(true);
  });

  it("matches subjectEndsWith literally when the subject ends with the channel ID", () => {
    expect(evaluateEventGridFilter({ subjectEndsWith: CHANNEL.toUpperCase() }, event)).toBe(true);
    expect(
      evaluateEventGridFilter({ subjectEndsWith: CHANNEL.toUpperCase(), isSubjectCaseSensitive: true }, event),
    ).toBe(false);
    expect(evaluateEventGridFilter({ subjectEndsWith: "*" }, event)).toBe(false);
  });

  it("requires both ends when subjectBeginsWith and subjectEndsWith are set", () => {
    expect(evaluateEventGridFilter({ subjectBeginsWith: "advancedMessage/", subjectEndsWith: CHANNEL }, event)).toBe(
      true,
    );
    expect(
      evaluateEventGridFilter({ subjectBeginsWith: "advancedMessage/", subjectEndsWith: "/status/Read" }, event),
    ).toBe(false);
  });

  it("ignores empty subject filters when ARM returns them as empty strings", () => {
    expect(evaluateEventGridFilter({ subjectBeginsWith: "", subjectEndsWith: "" }, event)).toBe(true);
  });

  it("does not match a subject filter when the CloudEvent has no subject", () => {
    const { subject: _subject, ...withoutSubject } = cloudEvent;
    expect(evaluateEventGridFilter({ subjectBeginsWith: "advancedMessage/" }, withoutSubject)).toBe(false);
    expect(evaluateEventGridFilter({ subjectBeginsWith: "" }, withoutSubject)).toBe(true);
  });
});

describe("evaluateEventGridFilter on ACS phone and BSUID senders", () => {
  const phoneSender = {
    ...event,
    subject: `advancedMessage/sender/447700900123/recipient/${CHANNEL}`,
    data: { from: "447700900123", fromBSUID: "GB.88213456712094", to: CHANNEL, channelType: "whatsapp" },
  };
  const bsuidSender = {
    ...event,
    subject: `advancedMessage/sender/GB.88213456712094/recipient/${CHANNEL}`,
    data: { from: "", fromBSUID: "GB.88213456712094", to: CHANNEL, channelType: "whatsapp" },
  };

  it("silently misses the BSUID sender when the subject filter names the UK phone prefix", () => {
    const filter: EventGridFilter = { includedEventTypes: [RECEIVED], subjectBeginsWith: "advancedMessage/sender/44" };
    expect(evaluateEventGridFilter(filter, phoneSender)).toBe(true);
    expect(evaluateEventGridFilter(filter, bsuidSender)).toBe(false);
  });

  it("silently misses the BSUID sender when an advanced filter tests data.from for the phone prefix", () => {
    const filter: EventGridFilter = {
      advancedFilters: [{ operatorType: "StringBeginsWith", key: "data.from", values: ["44"] }],
    };
    expect(evaluateEventGridFilter(filter, phoneSender)).toBe(true);
    expect(evaluateEventGridFilter(filter, bsuidSender)).toBe(false);
  });

  it("catches both senders when the subject filter lists the phone and the BSUID prefix of the country", () => {
    const filter: EventGridFilter = {
      includedEventTypes: [RECEIVED],
      advancedFilters: [
        { operatorType: "StringBeginsWith", key: "subject", values: expandCountrySenderPrefixes("GB").subjectPrefixes },
      ],
    };
    expect(evaluateEventGridFilter(filter, phoneSender)).toBe(true);
    expect(evaluateEventGridFilter(filter, bsuidSender)).toBe(true);
    const usSender = { ...phoneSender, subject: `advancedMessage/sender/14255551234/recipient/${CHANNEL}` };
    expect(evaluateEventGridFilter(filter, usSender)).toBe(false);
  });

  it("catches a hidden phone with IsNullOrUndefined only when data.from is null, not when it is empty", () => {
    const filter: EventGridFilter = { advancedFilters: [{ operatorType: "IsNullOrUndefined", key: "data.from" }] };
    expect(evaluateEventGridFilter(filter, bsuidSender)).toBe(false);
    expect(evaluateEventGridFilter(filter, { ...bsuidSender, data: { ...bsuidSender.data, from: null } })).toBe(true);
  });
});

describe("validateEventGridFilter", () => {
  const isNotNull = (index: number): AdvancedFilter => ({ operatorType: "IsNotNull", key: `data.k${index}` });

  it("reports nothing when every value shape is used as its operator needs", () => {
    const filter: EventGridFilter = {
      includedEventTypes: [RECEIVED],
      subjectBeginsWith: "advancedMessage/sender/",
      subjectEndsWith: "",
      isSubjectCaseSensitive: false,
      enableAdvancedFilteringOnArrays: true,
      advancedFilters: [
        { operatorType: "NumberIn", key: "data.a", values: [1] },
        { operatorType: "NumberLessThan", key: "data.a", value: 1 },
        { operatorType: "NumberInRange", key: "data.a", values: [[1, 2]] },
        { operatorType: "BoolEquals", key: "data.b", value: true },
        { operatorType: "StringNotContains", key: "subject", values: ["x"] },
        { operatorType: "IsNullOrUndefined", key: "data.c" },
      ],
    };
    expect(validateEventGridFilter(filter)).toEqual([]);
  });

  it("accepts null properties when ARM returns unset fields as null", () => {
    const armShape = {
      advancedFilters: null,
      enableAdvancedFilteringOnArrays: null,
      includedEventTypes: null,
      isSubjectCaseSensitive: null,
      subjectBeginsWith: null,
      subjectEndsWith: null,
    };
    expect(validateEventGridFilter(armShape)).toEqual([]);
  });

  it("reports the filter count when there are 26 advanced filters", () => {
    const filters = Array.from({ length: 26 }, (_, index) => isNotNull(index));
    expect(validateEventGridFilter({ advancedFilters: filters.slice(0, 25) })).toEqual([]);
    const issues = validateEventGridFilter({ advancedFilters: filters });
    expect(issues).toEqual([{ path: "advancedFilters", message: expect.stringContaining("26 advanced filters") }]);
  });

  it("reports the value count when 26 values are spread across filters", () => {
    const values = (count: number): string[] => Array.from({ length: count }, (_, index) => `v${index}`);
    const within = {
      advancedFilters: [
        { operatorType: "StringIn", key: "data.a", values: values(24) },
        isNotNull(1),
        { operatorType: "BoolEquals", key: "data.b", value: true },
      ],
    };
    expect(validateEventGridFilter(within)).toEqual([]);
    const over = {
      advancedFilters: [
        { operatorType: "StringIn", key: "data.a", values: values(20) },
        {
          operatorType: "NumberInRange",
          key: "data.b",
          values: [
            [1, 2],
            [3, 4],
            [5, 6],
            [7, 8],
            [9, 10],
          ],
        },
        { operatorType: "NumberGreaterThan", key: "data.c", value: 1 },
      ],
    };
    const issues = validateEventGridFilter(over);
    expect(issues).toEqual([{ path: "advancedFilters", message: expect.stringContaining("26 filter values") }]);
  });

  it("reports a string value when it is longer than 512 characters", () => {
    expect(
      validateEventGridFilter({
        advancedFilters: [{ operatorType: "StringIn", key: "data.a", values: ["x".repeat(512)] }],
      }),
    ).toEqual([]);
    const issues = validateEventGridFilter({
      advancedFilters: [{ operatorType: "StringIn", key: "data.a", values: ["ok", "x".repeat(513)] }],
    });
    expect(issues).toEqual([
      { path: "advancedFilters[0].values[1]", message: expect.stringContaining("513 characters") },
    ]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      "NumberIn has value instead of values",
      { operatorType: "NumberIn", key: "data.a", value: 5 },
      "advancedFilters[0].value",
    ],
    [
      "NumberIn lists a numeric string",
      { operatorType: "NumberIn", key: "data.a", values: ["5"] },
      "advancedFilters[0].values[0]",
    ],
    [
      "NumberNotIn lists nothing",
      { operatorType: "NumberNotIn", key: "data.a", values: [] },
      "advancedFilters[0].values",
    ],
    [
      "NumberLessThan has values",
      { operatorType: "NumberLessThan", key: "data.a", value: 1, values: [1] },
      "advancedFilters[0].values",
    ],
    [
      "NumberGreaterThan has a string value",
      { operatorType: "NumberGreaterThan", key: "data.a", value: "5" },
      "advancedFilters[0].value",
    ],
    [
      "NumberLessThanOrEquals has no value",
      { operatorType: "NumberLessThanOrEquals", key: "data.a" },
      "advancedFilters[0].value",
    ],
    [
      "BoolEquals has a string value",
      { operatorType: "BoolEquals", key: "data.a", value: "true" },
      "advancedFilters[0].value",
    ],
    [
      "NumberInRange has a flat pair",
      { operatorType: "NumberInRange", key: "data.a", values: [1, 2] },
      "advancedFilters[0].values[0]",
    ],
    [
      "NumberLessThan is 1e30, beyond the decimal range",
      { operatorType: "NumberLessThan", key: "data.a", value: 1e30 },
      "advancedFilters[0].value",
    ],
    [
      "NumberIn lists -1e30, beyond the decimal range",
      { operatorType: "NumberIn", key: "data.a", values: [1, -1e30] },
      "advancedFilters[0].values[1]",
    ],
    [
      "NumberInRange ends beyond the decimal range",
      { operatorType: "NumberInRange", key: "data.a", values: [[0, 8e28]] },
      "advancedFilters[0].values[0]",
    ],
    [
      "NumberNotInRange has a reversed range",
      { operatorType: "NumberNotInRange", key: "data.a", values: [[5, 1]] },
      "advancedFilters[0].values[0]",
    ],
    [
      "StringIn lists a number",
      { operatorType: "StringIn", key: "data.a", values: [5] },
      "advancedFilters[0].values[0]",
    ],
    [
      "StringContains has one string as value",
      { operatorType: "StringContains", key: "data.a", value: "x" },
      "advancedFilters[0].value",
    ],
    ["IsNotNull has values", { operatorType: "IsNotNull", key: "data.a", values: ["x"] }, "advancedFilters[0]"],
    [
      "the operator is unknown",
      { operatorType: "StringLike", key: "data.a", values: ["x"] },
      "advancedFilters[0].operatorType",
    ],
    [
      "the operator is spelt in lower case",
      { operatorType: "numberin", key: "data.a", values: [1] },
      "advancedFilters[0].operatorType",
    ],
    ["the key is empty", { operatorType: "IsNotNull", key: "" }, "advancedFilters[0].key"],
    ["the key is missing", { operatorType: "IsNotNull" }, "advancedFilters[0].key"],
    ["the key has an empty middle segment", { operatorType: "IsNotNull", key: "data..a" }, "advancedFilters[0].key"],
    ["the key starts with a dot", { operatorType: "IsNotNull", key: ".data" }, "advancedFilters[0].key"],
    ["the key ends with a dot", { operatorType: "IsNotNull", key: "data." }, "advancedFilters[0].key"],
    ["the key has surrounding whitespace", { operatorType: "IsNotNull", key: " data.a" }, "advancedFilters[0].key"],
    [
      "the advanced filter has a misspelt property",
      { operatorType: "IsNotNull", key: "data.a", Values: ["x"] },
      "advancedFilters[0].Values",
    ],
  ])("reports an issue when %s", (_when, advancedFilter, path) => {
    const issues = validateEventGridFilter({ advancedFilters: [advancedFilter] });
    expect(issues.map((issue) => issue.path)).toContain(path);
    expect(issues.every((issue) => issue.message.length > 0)).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ["the filter is not an object", "StringIn", ""],
    ["the filter has an unknown property", { advancedFilter: [] }, "advancedFilter"],
    ["includedEventTypes is a string", { includedEventTypes: RECEIVED }, "includedEventTypes"],
    ["includedEventTypes holds an empty name", { includedEventTypes: [""] }, "includedEventTypes[0]"],
    ["subjectBeginsWith is a number", { subjectBeginsWith: 44 }, "subjectBeginsWith"],
    ["isSubjectCaseSensitive is a string", { isSubjectCaseSensitive: "true" }, "isSubjectCaseSensitive"],
    ["advancedFilters is an object", { advancedFilters: {} }, "advancedFilters"],
    ["an advanced filter is not an object", { advancedFilters: ["IsNotNull"] }, "advancedFilters[0]"],
  ])("reports an issue when %s", (_when, filter, path) => {
    expect(validateEventGridFilter(filter).map((issue) => issue.path)).toContain(path);
  });

  it("reports a range whose ends are reversed as decimals when the JSON text holds more digits than a double", () => {
    const reversed = parseJsonKeepingNumberText(
      '{ "advancedFilters": [{ "operatorType": "NumberInRange", "key": "data.a", "values": [[0.10000000000000001, 0.1]] }] }',
    );
    expect(validateEventGridFilter(reversed).map((issue) => issue.path)).toEqual(["advancedFilters[0].values[0]"]);
    const ordered = parseJsonKeepingNumberText(
      '{ "advancedFilters": [{ "operatorType": "NumberInRange", "key": "data.a", "values": [[0.1, 0.10000000000000001]] }] }',
    );
    expect(validateEventGridFilter(ordered)).toEqual([]);
  });

  it("accepts the decimal maximum and reports one above it when the JSON text gives every digit", () => {
    const filterWith = (value: string) =>
      parseJsonKeepingNumberText(
        `{ "advancedFilters": [{ "operatorType": "NumberLessThan", "key": "data.a", "value": ${value} }] }`,
      );
    expect(validateEventGridFilter(filterWith("79228162514264337593543950335"))).toEqual([]);
    expect(validateEventGridFilter(filterWith("-79228162514264337593543950335"))).toEqual([]);
    expect(validateEventGridFilter(filterWith("79228162514264337593543950336")).map((issue) => issue.path)).toEqual([
      "advancedFilters[0].value",
    ]);
  });

  it("throws a ValidationError from evaluateEventGridFilter when the filter is invalid", () => {
    const invalid = {
      advancedFilters: [{ operatorType: "NumberIn", key: "data..count", values: [5] }],
    } as EventGridFilter;
    expect(() => evaluateEventGridFilter(invalid, event)).toThrow(ValidationError);
    expect(() => evaluateEventGridFilter(invalid, event)).toThrow(/advancedFilters\[0\]\.key/);
  });
});
